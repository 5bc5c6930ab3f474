package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// Markdown renders REPORT.md from records alone: the environment, a verdict
// table, then each experiment's claim, checks with their thresholds and
// measured values, and the figures behind the verdict.
func Markdown(recs []experiment.Record) []byte {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# serverlab report")
	w("")
	w("Drawn by `lab report` from the %d JSON records beside this file; each holds every raw observation, so this page can be redrawn without running anything.", len(recs))
	w("")
	writeEnvironments(&b, recs)
	w("## Verdicts")
	w("")
	w("| experiment | verdict | trials | took | run |")
	w("|---|---|---|---|---|")
	for _, r := range recs {
		w("| [%s](#%s) | **%s** | %d | %s | %s |", r.Experiment.Name, anchor(r), r.Verdict.Outcome,
			len(r.Trials), r.Finished.Sub(r.Started).Round(time.Second), r.Started.Format("2006-01-02 15:04 UTC"))
	}
	w("")
	for _, r := range recs {
		writeExperiment(&b, r)
	}
	return []byte(b.String())
}

func anchor(r experiment.Record) string {
	s := strings.ToLower(r.Experiment.Name + "-" + r.Experiment.Title)
	var out []rune
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			out = append(out, c)
		case c == ' ':
			out = append(out, '-')
		}
	}
	return string(out)
}

// writeEnvironments lists each distinct environment the records were made in.
func writeEnvironments(b *strings.Builder, recs []experiment.Record) {
	seen := map[experiment.Environment]bool{}
	fmt.Fprintf(b, "## Environment\n\n| kernel | Docker | cgroup | CPU | cores | arch | lab |\n|---|---|---|---|---|---|---|\n")
	for _, r := range recs {
		e := r.Environment
		if seen[e] {
			continue
		}
		seen[e] = true
		fmt.Fprintf(b, "| %s | %s | v%s | %s | %d | %s | %s (%s) |\n", e.Engine.Kernel, e.Engine.DockerVersion,
			e.Engine.CgroupVersion, e.CPUModel, e.Engine.CPUs, e.Engine.Arch, e.LabVersion, short(e.LabCommit))
	}
	b.WriteString("\n")
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	if commit == "" {
		return "unknown commit"
	}
	return commit
}

func writeExperiment(b *strings.Builder, r experiment.Record) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	e := r.Experiment
	w("## %s: %s", e.Name, e.Title)
	w("")
	w("**%s.** The seed's claim: %s.", capitalize(string(r.Verdict.Outcome)), e.Claim)
	if r.Verdict.Reason != "" {
		w("")
		w("Why %s: %s", r.Verdict.Outcome, r.Verdict.Reason)
	}
	w("")
	w("| check | measured (per trial) | held | why |")
	w("|---|---|---|---|")
	for _, c := range r.Checks {
		held := "yes"
		switch {
		case c.Unavailable != "":
			held = "undecided: " + c.Unavailable
		case !c.Held:
			held = "**no**"
		}
		w("| `%s` | %s | %s | %s |", cell(c.Check.String()), cell(measured(c.Values)), cell(held), cell(c.Check.Why))
	}
	w("")
	if fig, ok := figures[e.Name]; ok {
		fig(b, r)
	}
	writeTrials(b, r)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func measured(vs []experiment.TrialValue) string {
	var s []string
	for _, v := range vs {
		if v.Error != "" {
			s = append(s, "? ("+v.Error+")")
			continue
		}
		s = append(s, fmt.Sprintf("%.4g", v.Value))
	}
	return strings.Join(s, ", ")
}

// writeTrials tabulates every trial: what ran, what the clients saw, how the
// specimen ended and what it logged last.
func writeTrials(b *strings.Builder, r experiment.Record) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	w("<details><summary>Trials: arguments, limits, outcomes, exit, the server's last log line</summary>")
	w("")
	w("| arm | trial | args | limits | connections | specimen at end | server's last log line |")
	w("|---|---|---|---|---|---|---|")
	for _, t := range r.Trials {
		var rs []client.Result
		for _, s := range t.Steps {
			rs = append(rs, s.Clients...)
		}
		end := "running"
		if !t.Exit.Running {
			end = fmt.Sprintf("exited %d", t.Exit.ExitCode)
		}
		if t.Error != "" {
			end = "trial failed: " + t.Error
		}
		last, _ := experiment.LastLine(t)
		w("| %s | %d | `%s` | nofile %d, nproc %d, pids %d | %s | %s | `%s` |", t.Arm, t.Trial,
			strings.Join(t.Args, " "), t.Limits.NoFile, t.Limits.NProc, t.Limits.Pids, outcomes(rs), cell(end), cell(last))
	}
	w("")
	w("</details>")
	w("")
}

// outcomes summarises connections as "300 replied, 2 timed-out".
func outcomes(rs []client.Result) string {
	if len(rs) == 0 {
		return "none"
	}
	s := client.Summarize(rs)
	var parts []string
	for _, o := range client.Outcomes {
		if n := s.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	return strings.Join(parts, ", ")
}

// bar draws v of max as a bar of at most width cells.
func bar(v, max float64, width int) string {
	if max <= 0 || v <= 0 {
		return ""
	}
	n := int(v/max*float64(width) + 0.5)
	if n < 1 {
		n = 1
	}
	return strings.Repeat("█", n)
}

// doneTimes returns a trial's connection end times, sorted.
func doneTimes(t experiment.Trial) []time.Duration {
	var ds []time.Duration
	for _, s := range t.Steps {
		for _, c := range s.Clients {
			ds = append(ds, c.Done)
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds
}

// cell makes text safe inside a Markdown table cell: a | would end the cell,
// a newline the row.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
