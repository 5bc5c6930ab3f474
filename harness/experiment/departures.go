package experiment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// Departures lists where an arm of e runs its program otherwise than the
// article did, worked out from the catalogue's record of the article
// (Preset.Article, of the program the arm plays: StandsIn's when it stands
// in for another), the article's claim that e quotes (its ulimits) and the
// arm's own declaration, never written by hand: a program standing in for
// another, a shorter or added delay, another backlog, other limits, another
// wire. Arms of the lab's own presets, which the article has no program
// for, depart from nothing.
//
// A specimen that runs under a seccomp profile of the lab's, not the
// engine's default, departs from a default run, and says so whatever its
// preset.
func Departures(e Experiment, a Arm) []string {
	p, err := catalogue.LookupPreset(a.Preset)
	if err != nil {
		return nil
	}
	var out []string
	if s, err := catalogue.LookupSpecimen(p.Specimen); err == nil && s.Seccomp != "" {
		out = append(out, fmt.Sprintf("not the engine's default seccomp profile but the lab's %s, which lets io_uring through (Docker 25 and later block it)", s.Seccomp))
	}
	if p.Article.Source == "" {
		return out
	}
	article := p.Article
	if a.StandsIn != "" && a.StandsIn != p.Name {
		out = append(out, fmt.Sprintf("%s stands in for the article's %s", p.Name, a.StandsIn))
		if played, err := catalogue.LookupPreset(a.StandsIn); err == nil && played.Article.Source != "" {
			article = played.Article
		}
	}
	// The limits the article set for this lesson, as its claim says: none
	// when the claim names none (the zombie of one curl), and then no
	// limit departs. A record made before quotes named claims has the
	// program's.
	ulimits := article.Ulimits
	if e.Seed != nil {
		if c, err := LookupClaim(e.Seed.Claim); err == nil {
			ulimits = claimUlimits(c)
		}
	}
	args := p.Args
	if a.Args != nil {
		args = a.Args
	}
	delay := flagDelay(args)
	switch seed := article.Delay; {
	case delay == seed:
	case seed == 0:
		out = append(out, fmt.Sprintf("a %s delay the article's %s does not have", seconds(delay), article.Source))
	case delay == 0:
		out = append(out, fmt.Sprintf("no delay (the article's %s sleeps %s)", article.Source, seconds(seed)))
	default:
		out = append(out, fmt.Sprintf("delay %s → %s", seconds(seed), seconds(delay)))
	}
	if b, err := strconv.Atoi(flagValue(args, "--backlog")); err == nil && b != article.Backlog {
		out = append(out, fmt.Sprintf("backlog %d → %d", article.Backlog, b))
	}
	wire := p.Wire
	if a.Wire != "" {
		wire = a.Wire
	}
	if wire == catalogue.WireHTTP {
		out = append(out, "HTTP/1.1 on the http wire instead of the article's bare reply")
	}
	limits := p.Limits
	if a.Limits != nil {
		limits = *a.Limits
	}
	out = append(out, limitDepartures(ulimits, limits)...)
	if slices.ContainsFunc(a.Steps, func(s Step) bool { return s.Client != nil && s.Client.Revive }) {
		out = append(out, "started again whenever it has died, so that every request is answered")
	}
	return out
}

// claimUlimits is the ulimit commands a claim names ("ulimit -u 400;
// ulimit -n 500"), or "": the limits the article set for that lesson.
func claimUlimits(c Claim) string {
	var out []string
	for _, t := range c.Terms() {
		if strings.HasPrefix(t, "ulimit ") {
			out = append(out, t)
		}
	}
	return strings.Join(out, "; ")
}

// limitDepartures compares the article's ulimit line with the limits the
// arm pins. The pids cgroup has no counterpart in the article.
func limitDepartures(ulimits string, l catalogue.Limits) []string {
	seed := map[string]int64{}
	for _, cmd := range strings.Split(ulimits, ";") {
		var flag string
		var n int64
		if _, err := fmt.Sscanf(strings.TrimSpace(cmd), "ulimit %s %d", &flag, &n); err == nil {
			seed[flag] = n
		}
	}
	var out []string
	for _, x := range []struct {
		flag, name string
		got        int64
	}{{"-n", "nofile", l.NoFile}, {"-u", "nproc", l.NProc}} {
		if n, ok := seed[x.flag]; ok && n != x.got {
			out = append(out, fmt.Sprintf("ulimit %s %d → %s %d", x.flag, n, x.name, x.got))
		}
	}
	if n, ok := seed["-u"]; ok && l.Pids != n {
		out = append(out, fmt.Sprintf("a pids cgroup limit of %d beside ulimit -u", l.Pids))
	}
	return out
}

// flagValue returns the value after flag in args, or "".
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// flagDelay reads --delay as the specimens do: "0", "250ms", "2s", or a
// plain number of seconds.
func flagDelay(args []string) time.Duration {
	v := flagValue(args, "--delay")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	d, _ := time.ParseDuration(v)
	return d
}

// seconds writes d as the article does: "60 s", "0.5 s".
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s" }
