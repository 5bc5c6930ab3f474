package report

import (
	"fmt"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// robustnessFigure sets out, per specimen, the cases, the answers the RFCs
// do not allow and the crashes; then, case by case, what each specimen
// answered.
func robustnessFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("| specimen | cases | answered as allowed | not allowed | crashes |\n|---|---|---|---|---|\n")
	var arms []string
	answers := map[string]map[string]string{} // case, then arm
	var order []string
	peer := map[string]bool{}
	for _, p := range experiment.RobustPresets {
		peer[p.Arm] = p.Peer
	}
	for _, t := range r.Trials {
		arms = append(arms, t.Arm)
		rs := experiment.HostileResults(t)
		var bad []string
		for _, c := range rs {
			if answers[c.Case] == nil {
				answers[c.Case] = map[string]string{}
				order = append(order, c.Case)
			}
			answers[c.Case][t.Arm] = hostileAnswer(c.Statuses, c.Closed, c.Reset, c.TimedOut, c.Violation, c.Alive)
			if c.Violation != "" {
				bad = append(bad, c.Case+": "+c.Violation)
			}
		}
		arm := t.Arm
		if peer[t.Arm] {
			arm += " (peer: measured, not held to the rule)"
		}
		fmt.Fprintf(b, "| %s | %d | %d | %s | %s |\n", arm, len(rs), len(rs)-len(bad), cell(strings.Join(bad, "; ")),
			value(experiment.HostileCrashes(), t))
	}
	b.WriteString("\n<details><summary>Every case, every specimen: the statuses it answered, how the connection ended (FIN, RST, open), ✗ where not allowed, † where it did not answer GET /hello after</summary>\n\n")
	b.WriteString("| case | " + strings.Join(arms, " | ") + " |\n|---|" + strings.Repeat("---|", len(arms)) + "\n")
	for _, c := range order {
		row := "| " + c + " |"
		for _, a := range arms {
			row += " " + answers[c][a] + " |"
		}
		b.WriteString(row + "\n")
	}
	b.WriteString("\n</details>\n\n")
}

// hostileAnswer writes one case's outcome in a few characters: "400 FIN".
func hostileAnswer(statuses []int, closed, reset, open bool, violation string, alive bool) string {
	var parts []string
	for _, s := range statuses {
		parts = append(parts, fmt.Sprint(s))
	}
	switch {
	case reset:
		parts = append(parts, "RST")
	case closed:
		parts = append(parts, "FIN")
	case open:
		parts = append(parts, "open")
	}
	if len(parts) > 4 { // a hundred pipelined 200s
		parts = append(parts[:2], fmt.Sprintf("… (%d)", len(statuses)), parts[len(parts)-1])
	}
	s := strings.Join(parts, " ")
	if violation != "" {
		s += " ✗"
	}
	if !alive {
		s += " †"
	}
	return s
}
