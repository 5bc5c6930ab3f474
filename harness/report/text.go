package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// sortByDone orders connections by when they ended.
func sortByDone(rs []client.Result) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Done < rs[j].Done })
}

// timingBar draws one connection over width cells for longest: waiting
// until its handshake, connected until its first byte, then the reply
// until its end.
func timingBar(connect, firstByte, done, longest time.Duration, width int) string {
	if longest <= 0 {
		return ""
	}
	cell := func(d time.Duration) int { return int(float64(d) / float64(longest) * float64(width)) }
	var b strings.Builder
	for i := 0; i <= cell(done) && i < width+1; i++ {
		switch {
		case connect == 0 || i < cell(connect):
			b.WriteRune('·')
		case i == cell(connect) && (firstByte == 0 || cell(firstByte) > i):
			b.WriteRune('c')
		case firstByte == 0 || i < cell(firstByte):
			b.WriteRune('─')
		case i == cell(firstByte):
			b.WriteRune('r')
		default:
			b.WriteRune('█')
		}
	}
	return b.String()
}

// sparkRunes are the eight heights of a sparkline.
var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// sparkline draws a timeline in one line: its name, the values scaled from
// the lowest to the highest, and the range in words.
func sparkline(name string, ps []experiment.Point) string {
	if len(ps) == 0 {
		return fmt.Sprintf("%-10s (no samples)\n", name)
	}
	lo, hi := ps[0].Value, ps[0].Value
	for _, p := range ps {
		lo, hi = min(lo, p.Value), max(hi, p.Value)
	}
	var b strings.Builder
	for _, p := range ps {
		i := 0
		if hi > lo {
			i = int((p.Value - lo) / (hi - lo) * float64(len(sparkRunes)-1))
		}
		b.WriteRune(sparkRunes[i])
	}
	return fmt.Sprintf("%-10s %s  %g → %g (peak %g) over %v\n", name, b.String(), ps[0].Value, ps[len(ps)-1].Value,
		hi, ps[len(ps)-1].At.Round(100*time.Millisecond))
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
