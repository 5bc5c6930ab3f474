package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// Markdown renders REPORT.md from records alone: the environment, the lab
// commit the records were made at, a verdict table, then for each
// experiment what the article says and what the lab predicts (each
// labelled as such), where the run departs from the article, why it
// happens, the checks with their thresholds, measured values and margins,
// and the figures behind the verdict. With a reference, it sets the run
// beside it: same verdicts or not, and the key figures side by side. Options
// add what the records alone cannot say (WithStability, WithStabilities).
func Markdown(recs []experiment.Record, reference []experiment.Record, opts ...Option) []byte {
	x := newExtras(opts)
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# serverlab report")
	w("")
	if x.from != "" {
		w("Drawn by `lab report` from the %d JSON records of the last of %d runs, in %s; each holds every raw observation, so this page can be redrawn without running anything.",
			len(recs), x.lastOf, x.from)
	} else {
		w("Drawn by `lab report` from the %d JSON records beside this file; each holds every raw observation, so this page can be redrawn without running anything.", len(recs))
	}
	w("%s", commitLine(recs))
	w("A check's margin is how far the value that decides it stood from its threshold, in the metric's units: positive on the side where it holds, negative where it fails.")
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
	if len(x.stabilities) > 0 {
		w("## Stability")
		w("")
		writeStabilities(&b, "###", x.stabilities)
	}
	if len(reference) > 0 {
		writeComparison(&b, recs, reference)
	}
	for _, r := range recs {
		writeExperiment(&b, r)
	}
	return []byte(b.String())
}

// commitLine says at which lab commit the records were made: one commit
// for one run; several, flagged, when the records were made apart (a
// rerun of some experiments), since their code is then not one.
func commitLine(recs []experiment.Record) string {
	cs := commits(recs)
	switch len(cs) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("Every record was made at lab commit `%s`.", cs[0].Name())
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("`%s` (%s)", short(c.Commit), strings.Join(c.Experiments, ", ")))
	}
	return fmt.Sprintf("**The records were made at %d lab commits, not one:** %s.", len(cs), strings.Join(parts, "; "))
}

// labCommit is one lab commit and the experiments whose records were made
// at it.
type labCommit struct {
	Commit      string // "" when the record does not say
	Experiments []string
}

// Name is the commit, or "unknown" when the records do not say.
func (c labCommit) Name() string {
	if c.Commit == "" {
		return "unknown"
	}
	return c.Commit
}

// commits groups records by the lab commit they were made at, in the
// order the records first show each.
func commits(recs []experiment.Record) []labCommit {
	var out []labCommit
	index := map[string]int{}
	for _, r := range recs {
		c := r.Environment.LabCommit
		i, ok := index[c]
		if !ok {
			i = len(out)
			index[c] = i
			out = append(out, labCommit{Commit: c})
		}
		out[i].Experiments = append(out[i].Experiments, r.Experiment.Name)
	}
	return out
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
	fmt.Fprintf(b, "## Environment\n\n| kernel | Docker | cgroup | CPU | cores | arch | lab | neighbour |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range recs {
		e := r.Environment
		if seen[e] {
			continue
		}
		seen[e] = true
		neighbour := e.Neighbour
		if neighbour == "" {
			neighbour = "none"
		}
		fmt.Fprintf(b, "| %s | %s | v%s | %s | %d | %s | %s (%s) | %s |\n", e.Engine.Kernel, e.Engine.DockerVersion,
			e.Engine.CgroupVersion, e.CPUModel, e.Engine.CPUs, e.Engine.Arch, e.LabVersion, short(e.LabCommit), cell(neighbour))
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
	w("**%s.**", capitalize(string(r.Verdict.Outcome)))
	if r.Verdict.Reason != "" {
		w("Why %s: %s", r.Verdict.Outcome, r.Verdict.Reason)
	}
	w("")
	writeExplanation(b, r)
	w("| check | measured (per trial) | margin | held | why |")
	w("|---|---|---|---|---|")
	for _, c := range r.Checks {
		held := "yes"
		switch {
		case c.Emulated:
			held = emulatedHeld(c)
		case c.Unavailable != "":
			held = "undecided: " + c.Unavailable
		case !c.Held:
			held = "**no**"
		}
		w("| `%s` | %s | %s | %s | %s |", cell(c.Check.String()), cell(measured(c.Values)), checkMargin(c), cell(held), cell(c.Check.Why))
	}
	w("")
	for _, f := range experiment.FiguresOf(r) {
		writeFigure(b, f)
	}
	writeTrials(b, r)
}

// writeExplanation sets out the claim: the article's words (labelled as
// the seed's), the lab's prediction (labelled as the lab's), the mechanism,
// and every departure from the article, from the catalogue.
func writeExplanation(b *strings.Builder, r experiment.Record) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	e := r.Experiment
	if e.Seed != nil {
		w("- **The article says** (%s): “%s”", e.Seed.Cite(), e.Seed.Words)
	}
	w("- **The lab predicts:** %s.", e.Predicts)
	w("- **Why:** %s", e.Mechanism)
	var deps []string
	for _, a := range e.Arms {
		d := experiment.Departures(e, a)
		if n := revivals(r, a.Name); n > 0 {
			d = append(d, fmt.Sprintf("died and was started again %d times in this run", n))
		}
		if len(d) > 0 {
			deps = append(deps, fmt.Sprintf("%s: %s", a.Name, strings.Join(d, "; ")))
		}
	}
	if len(deps) > 0 {
		w("- **Departures from the article**, from the catalogue:")
		for _, d := range deps {
			w("  - %s", d)
		}
	}
	w("")
}

// revivals counts the specimens of an arm that died and were replaced.
func revivals(r experiment.Record, arm string) int {
	n := 0
	for _, t := range r.Trials {
		if t.Arm == arm {
			n += len(t.Previous)
		}
	}
	return n
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
	w("| arm | trial | args | limits | connections | specimen at end | took | server's last log line |")
	w("|---|---|---|---|---|---|---|---|")
	for _, t := range r.Trials {
		end := specimenAtEnd(t)
		last, _ := experiment.LastLine(t)
		w("| %s | %d | `%s` | nofile %d, nproc %d, pids %d | %s | %s | %s | `%s` |", t.Arm, t.Trial,
			strings.Join(t.Args, " "), t.Limits.NoFile, t.Limits.NProc, t.Limits.Pids, outcomes(experiment.Results(t)),
			cell(end), t.Elapsed.Round(100*time.Millisecond), cell(last))
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

// cell makes text safe inside a Markdown table cell: a | would end the cell,
// a newline the row.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

// specimenAtEnd says how a trial's specimen ended, as the trials' tables
// show it: still running, its exit status, or why the trial failed.
func specimenAtEnd(t experiment.Trial) string {
	switch {
	case t.Error != "":
		return "trial failed: " + t.Error
	case !t.Exit.Running:
		return fmt.Sprintf("exited %d", t.Exit.ExitCode)
	}
	return "running"
}

// emulatedHeld is the held column of a check shown and not judged on an
// emulated machine: what its comparison gave, said as no verdict.
func emulatedHeld(c experiment.CheckResult) string {
	switch {
	case c.Unavailable != "":
		return "not judged (emulated); undecided: " + c.Unavailable
	case c.Held:
		return "not judged (emulated); it held"
	}
	return "not judged (emulated); it did not hold"
}
