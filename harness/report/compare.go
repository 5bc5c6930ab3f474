package report

import (
	"fmt"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// writeComparison sets a run beside the reference: per experiment, both
// verdicts, whether they agree, and each check's values in both, so that a
// reader sees at once where this machine departs from the lab's.
func writeComparison(b *strings.Builder, recs, reference []experiment.Record) {
	ref := map[string]experiment.Record{}
	for _, r := range reference {
		ref[r.Experiment.Name] = r
	}
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	w("## Beside the reference run")
	w("")
	w("The reference is the run committed in results/reference/ (%s).", environmentLine(reference))
	w("")
	w("| experiment | this run | reference | same verdict |")
	w("|---|---|---|---|")
	for _, r := range recs {
		rr, ok := ref[r.Experiment.Name]
		if !ok {
			w("| %s | %s | (none) | - |", r.Experiment.Name, r.Verdict.Outcome)
			continue
		}
		same := "yes"
		if rr.Verdict.Outcome != r.Verdict.Outcome {
			same = "**no**"
		}
		w("| %s | %s | %s | %s |", r.Experiment.Name, r.Verdict.Outcome, rr.Verdict.Outcome, same)
	}
	w("")
	w("<details><summary>Key figures side by side: every check's measured values</summary>")
	w("")
	w("| experiment | check | this run | reference |")
	w("|---|---|---|---|")
	for _, r := range recs {
		rr, ok := ref[r.Experiment.Name]
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
			w("| %s | `%s` | %s | %s |", r.Experiment.Name, cell(c.Check.String()), cell(measured(c.Values)), cell(other))
		}
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
	return fmt.Sprintf("kernel %s, Docker %s, cgroup v%s, %d × %s, lab %s", e.Engine.Kernel, e.Engine.DockerVersion,
		e.Engine.CgroupVersion, e.Engine.CPUs, e.CPUModel, short(e.LabCommit))
}
