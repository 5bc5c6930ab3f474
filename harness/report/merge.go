package report

import (
	"fmt"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// The merged report: records from several runs (a CI matrix's cells), each
// made in its own environment, set side by side. Records of different
// machines are never averaged or judged together: each keeps its own
// verdict, and the report shows them in a column per environment.

// EnvLabel names an environment in a merged report: E1, E2, ... in the
// order Environments gives.
func EnvLabel(i int) string { return fmt.Sprintf("E%d", i+1) }

// Matrix is the merged verdicts: for each experiment (in the suite's
// order), its verdict in each environment, or "" where no cell ran it.
type Matrix struct {
	Environments []experiment.Environment
	Experiments  []string
	Verdicts     map[string][]experiment.Outcome // by experiment, an entry per environment
}

// Merge groups records by environment and sets their verdicts side by
// side. Two records of one experiment in one environment (two cells ran
// it) both stay in the details; the matrix shows the later one's verdict
// and says so.
func Merge(recs []experiment.Record) Matrix {
	m := Matrix{Environments: environments(recs), Verdicts: map[string][]experiment.Outcome{}}
	index := map[experiment.Environment]int{}
	for i, e := range m.Environments {
		index[e] = i
	}
	for _, r := range recs {
		name := r.Experiment.Name
		if _, ok := m.Verdicts[name]; !ok {
			m.Experiments = append(m.Experiments, name)
			m.Verdicts[name] = make([]experiment.Outcome, len(m.Environments))
		}
		m.Verdicts[name][index[r.Environment]] = r.Verdict.Outcome
	}
	return m
}

// MergedMarkdown renders REPORT.md of a merge: the environments, the
// verdict matrix, then each environment's records as Markdown draws them,
// under headings that name the environment.
func MergedMarkdown(recs []experiment.Record) []byte {
	m := Merge(recs)
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# serverlab report, merged")
	w("")
	w("Drawn by `lab report --merge` from %d JSON records made in %d environments. Each environment's verdicts stand on their own records: nothing is averaged across machines.", len(recs), len(m.Environments))
	w("")
	w("## Environments")
	w("")
	w("| | kernel | Docker | cgroup | machine | CPU | cores | arch | lab |")
	w("|---|---|---|---|---|---|---|---|---|")
	for i, e := range m.Environments {
		w("| %s | %s | %s | v%s | %s | %s | %d | %s | %s (%s) |", EnvLabel(i), e.Engine.Kernel, dockerLabel(e.Engine),
			e.Engine.CgroupVersion, machineLabel(e), e.CPUModel, e.Engine.CPUs, e.Engine.Arch, e.LabVersion, short(e.LabCommit))
	}
	w("")
	w("## Verdicts side by side")
	w("")
	head, rule := "| experiment |", "|---|"
	for i, e := range m.Environments {
		head += fmt.Sprintf(" %s (%s, cgroup v%s%s) |", EnvLabel(i), e.Engine.Arch, e.Engine.CgroupVersion, emulatedLabel(e))
		rule += "---|"
	}
	w("%s", head)
	w("%s", rule)
	for _, name := range m.Experiments {
		row := "| " + name + " |"
		for _, o := range m.Verdicts[name] {
			if o == "" {
				o = "(not run)"
			}
			row += " " + string(o) + " |"
		}
		w("%s", row)
	}
	w("")
	for i, e := range m.Environments {
		var in []experiment.Record
		for _, r := range recs {
			if r.Environment == e {
				in = append(in, r)
			}
		}
		w("# %s: %s, kernel %s, cgroup v%s%s", EnvLabel(i), e.Engine.Arch, e.Engine.Kernel, e.Engine.CgroupVersion, emulatedLabel(e))
		w("")
		for _, r := range in {
			writeExperiment(&b, r)
		}
	}
	return []byte(b.String())
}

// dockerLabel is the engine's version and the API it speaks: "26.1.5
// (API 1.45)".
func dockerLabel(e experiment.Engine) string {
	if e.APIVersion == "" {
		return e.DockerVersion
	}
	return fmt.Sprintf("%s (API %s)", e.DockerVersion, e.APIVersion)
}

// machineLabel says how the engine's machine ran: as it is, or a virtual
// machine the lab booted, under which acceleration.
func machineLabel(e experiment.Environment) string {
	switch e.Acceleration {
	case "":
		return "as found"
	case experiment.AccelTCG:
		return "VM, TCG (emulated)"
	default:
		return "VM, " + strings.ToUpper(e.Acceleration)
	}
}

// emulatedLabel marks an emulated environment in a heading: ", emulated".
func emulatedLabel(e experiment.Environment) string {
	if e.Emulated() {
		return ", emulated"
	}
	return ""
}
