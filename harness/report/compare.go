package report

import (
	"fmt"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// beside sets a run against the reference: verdict by verdict, and every
// check's measured values in both. Markdown and HTML draw it.
type beside struct {
	Environment string
	Verdicts    []besideVerdict
	Checks      []besideCheck
}

type besideVerdict struct {
	Name, Anchor    string
	Run, Reference  experiment.Outcome // Reference "" when it has no record
	Same, HasRecord bool
}

type besideCheck struct {
	Experiment, Check, Run, Reference string
}

// newBeside works out the comparison of recs with reference.
func newBeside(recs, reference []experiment.Record) *beside {
	ref := map[string]experiment.Record{}
	for _, r := range reference {
		ref[r.Experiment.Name] = r
	}
	b := &beside{Environment: environmentLine(reference)}
	for _, r := range recs {
		rr, ok := ref[r.Experiment.Name]
		v := besideVerdict{Name: r.Experiment.Name, Anchor: anchor(r), Run: r.Verdict.Outcome, HasRecord: ok}
		if ok {
			v.Reference, v.Same = rr.Verdict.Outcome, rr.Verdict.Outcome == r.Verdict.Outcome
		}
		b.Verdicts = append(b.Verdicts, v)
		if !ok {
			continue
		}
		theirs := map[string]string{}
		for _, c := range rr.Checks {
			theirs[c.Check.String()] = measured(c.Values)
		}
		for _, c := range r.Checks {
			other, ok := theirs[c.Check.String()]
			if !ok {
				other = "(not checked)"
			}
			b.Checks = append(b.Checks, besideCheck{Experiment: r.Experiment.Name, Check: c.Check.String(),
				Run: measured(c.Values), Reference: other})
		}
	}
	return b
}

// writeComparison draws the comparison with the reference in Markdown, so
// that a reader sees at once where this machine departs from the lab's.
func writeComparison(b *strings.Builder, recs, reference []experiment.Record) {
	bs := newBeside(recs, reference)
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	w("## Beside the reference run")
	w("")
	w("The reference is the run committed in results/reference/ (%s).", bs.Environment)
	w("")
	w("| experiment | this run | reference | same verdict |")
	w("|---|---|---|---|")
	for _, v := range bs.Verdicts {
		switch {
		case !v.HasRecord:
			w("| %s | %s | (none) | - |", v.Name, v.Run)
		case v.Same:
			w("| %s | %s | %s | yes |", v.Name, v.Run, v.Reference)
		default:
			w("| %s | %s | %s | **no** |", v.Name, v.Run, v.Reference)
		}
	}
	w("")
	w("<details><summary>Key figures side by side: every check's measured values</summary>")
	w("")
	w("| experiment | check | this run | reference |")
	w("|---|---|---|---|")
	for _, c := range bs.Checks {
		w("| %s | `%s` | %s | %s |", c.Experiment, cell(c.Check), cell(c.Run), cell(c.Reference))
	}
	w("")
	w("</details>")
	w("")
}

// environmentLine names where records were made, in one line.
func environmentLine(recs []experiment.Record) string {
	if len(recs) == 0 {
		return "no records"
	}
	e := recs[0].Environment
	line := fmt.Sprintf("kernel %s, Docker %s, cgroup v%s, %d × %s, lab %s", e.Engine.Kernel, dockerLabel(e.Engine),
		e.Engine.CgroupVersion, e.Engine.CPUs, e.CPUModel, short(e.LabCommit))
	if e.Acceleration != "" {
		line += ", " + machineLabel(e)
	}
	return line
}
