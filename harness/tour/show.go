package tour

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// Intro writes a step's head: its title, what the article says (the
// quotes of the experiments that replay it, with where they stand), the
// commands a reader types and which arms replay it, with where they depart
// from the article.
func Intro(w io.Writer, s Step, i, n int) error {
	exps, err := s.Experiments()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n━━ step %d of %d · %s (part %d) · %s\n", i+1, n, s.ID, s.Part, s.Title)
	quoted := map[string]bool{}
	for _, e := range exps {
		if e.Seed == nil || quoted[e.Seed.Words] {
			continue
		}
		quoted[e.Seed.Words] = true
		fmt.Fprintf(w, "\nThe article says (%s):\n", e.Seed.Cite())
		fmt.Fprintf(w, "  %s\n", wrap(strings.TrimSpace(e.Seed.Words), 76, "  "))
	}
	fmt.Fprintln(w, "\nIn the playground, type:")
	for _, c := range s.Commands {
		fmt.Fprintf(w, "  $ %s\n      %s\n", c.Line, wrap(c.Shows, 72, "      "))
	}
	fmt.Fprintln(w, "\nThe lab replays it with these arms, on the playground's presets (the same image, flags")
	fmt.Fprintln(w, "and limits but where shown; clients inside the specimen's network namespace):")
	for _, e := range exps {
		for _, a := range e.Arms {
			fmt.Fprintf(w, "  %s, arm %s (%s)", e.Name, a.Name, a.Preset)
			if d := experiment.Departures(e, a); len(d) > 0 {
				fmt.Fprintf(w, ": %s", strings.Join(d, "; "))
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}

// Saw writes what the lab saw of a step: each trial's clients and the
// server's last words, each check with its values, and the step's verdict.
func Saw(w io.Writer, seen Seen) {
	if len(seen.Records) == 0 {
		fmt.Fprintf(w, "\nThe lab has no record of this step yet: lab tour --run --only %s\n", seen.Step.ID)
		fmt.Fprintf(w, "Verdict: %s\n", seen.Verdict())
		return
	}
	r0 := seen.Records[0]
	fmt.Fprintf(w, "\nWhat the lab saw (%s, %s, lab %s):\n", seen.Source, r0.Started.Local().Format(time.DateTime), short(r0.Environment.LabCommit))
	for _, r := range seen.Records {
		for _, t := range r.Trials {
			fmt.Fprintf(w, "  %s %s trial %d: %s\n", r.Experiment.Name, t.Arm, t.Trial, trialLine(t))
		}
	}
	for _, r := range seen.Records {
		for _, c := range r.Checks {
			fmt.Fprintf(w, "  %s %s: %s (got %s)\n", mark(c), c.Check.Arm, c.Check.Why, values(c))
		}
		if r.Verdict.Outcome != experiment.Reproduced || r.Verdict.Reason != "" {
			fmt.Fprintf(w, "  %s: %s", r.Experiment.Name, r.Verdict.Outcome)
			if r.Verdict.Reason != "" {
				fmt.Fprintf(w, ": %s", wrap(r.Verdict.Reason, 72, "    "))
			}
			fmt.Fprintln(w)
		}
	}
	if len(seen.Missing) > 0 {
		fmt.Fprintf(w, "  no record of %s\n", strings.Join(seen.Missing, ", "))
	}
	fmt.Fprintf(w, "Verdict: %s\n", seen.Verdict())
}

// Summary writes every step's verdict, and how many were reproduced.
func Summary(w io.Writer, all []Seen) {
	fmt.Fprintln(w, "\n━━ the tour")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tVERDICT\tTRIALS\tTRIAL TIME\tTITLE")
	n := 0
	for _, s := range all {
		trials, took := 0, time.Duration(0)
		for _, r := range s.Records {
			trials += len(r.Trials)
			for _, t := range r.Trials {
				took += t.Elapsed
			}
		}
		if s.Verdict() == experiment.Reproduced {
			n++
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Step.ID, s.Verdict(), trials, took.Round(100*time.Millisecond), s.Step.Title)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d steps reproduced\n", n, len(all))
}

// trialLine is one trial in a line: what its clients got, how the
// specimen ended, its last words.
func trialLine(t experiment.Trial) string {
	if t.Error != "" {
		return "did not run: " + t.Error
	}
	var parts []string
	if o := outcomes(t); o != "" {
		parts = append(parts, o)
	}
	if t.Exit.Running {
		parts = append(parts, "still running at the end")
	} else {
		parts = append(parts, fmt.Sprintf("exited %d", t.Exit.ExitCode))
	}
	if l, err := experiment.LastLine(t); err == nil {
		parts = append(parts, fmt.Sprintf("last log line %q", l))
	}
	return strings.Join(parts, "; ")
}

// outcomes counts the trial's client outcomes over all its steps:
// "500 clients: 399 replied, 101 refused".
func outcomes(t experiment.Trial) string {
	counts := map[client.Outcome]int{}
	total := 0
	for _, o := range t.Steps {
		if o.Summary != nil {
			for k, v := range o.Summary.Outcomes {
				counts[k] += v
			}
			total += o.Summary.Total
		}
		for _, c := range o.Clients {
			counts[c.Outcome]++
			total++
		}
	}
	if total == 0 {
		return ""
	}
	var kinds []string
	for k := range counts {
		kinds = append(kinds, string(k))
	}
	sort.Slice(kinds, func(i, j int) bool {
		a, b := counts[client.Outcome(kinds[i])], counts[client.Outcome(kinds[j])]
		return a > b || (a == b && kinds[i] < kinds[j])
	})
	var s []string
	for _, k := range kinds {
		s = append(s, fmt.Sprintf("%d %s", counts[client.Outcome(k)], k))
	}
	return fmt.Sprintf("%d connections: %s", total, strings.Join(s, ", "))
}

func mark(c experiment.CheckResult) string {
	switch {
	case c.Emulated:
		return "~" // shown, not judged
	case c.Unavailable != "":
		return "?"
	case c.Held:
		return "✓"
	}
	return "✗"
}

func values(c experiment.CheckResult) string {
	var s []string
	for _, v := range c.Values {
		if v.Error != "" {
			s = append(s, "? ("+v.Error+")")
			continue
		}
		s = append(s, fmt.Sprintf("%g", v.Value))
	}
	if len(s) == 0 {
		return "no value: " + c.Unavailable
	}
	return strings.Join(s, ", ")
}

func short(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	if commit == "" {
		return "of no known commit"
	}
	return commit
}

// wrap folds text at width, continuing lines with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(text) {
		if i > 0 {
			if n+1+len(word) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}
