package report

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// slowClientsFigure shows, per model, how long its probes waited among the
// stalled clients, and what it spent holding them.
func slowClientsFigure(b *strings.Builder, r experiment.Record, v experiment.SlowClientsView) {
	during, step := v.During.Label, v.Probes.Label
	quick, _ := checkMetric(r, "replied_within")
	b.WriteString("| model | probes answered within " + quick.Arg + " | answered at all | slowest probe | processes during the stall | threads during the stall |\n|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		probes := experiment.OfStep(t, step)
		slowest := "?"
		if ds := experiment.DoneTimes(probes); len(ds) > 0 {
			slowest = ds[len(ds)-1].Round(time.Millisecond).String()
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", t.Arm, value(quick, t),
			value(experiment.Outcomes(client.Replied), probes), slowest, value(experiment.Processes(probeAt(during)), t), value(experiment.Threads(probeAt(during)), t))
	}
	b.WriteString("\n")
}

// idleFigure sets out what each model spent on ten thousand idle
// connections, and how it stopped if it did.
func idleFigure(b *strings.Builder, r experiment.Record, v experiment.IdleView) {
	holding, idle := v.Holding.Label, v.Idle.Label
	b.WriteString("| model | connections kept open | processes | threads | resident memory per connection | cgroup memory per connection | specimen at end | last log line |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		end := "running"
		if !t.Exit.Running {
			end = fmt.Sprintf("exited %d", t.Exit.ExitCode)
		}
		last, _ := experiment.LastLine(t)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | `%s` |\n", t.Arm, value(experiment.KeptOpen().Among(clientsOf(idle)), t),
			value(experiment.Processes(probeAt(holding)), t), value(experiment.Threads(probeAt(holding)), t),
			kib(t, experiment.RSSPerConn(clientsOf(idle))), kib(t, experiment.MemoryPerConn(clientsOf(idle))), end, cell(last))
	}
	b.WriteString("\nPer connection: the growth from the first sample to the peak, over the connections kept open. " +
		"The cgroup's charge includes the kernel's socket buffers; resident memory counts the specimen's own pages only.\n\n")
}

// kib is a per-connection metric in KiB, or "?".
func kib(t experiment.Trial, m experiment.Metric) string {
	v, err := m.Of(t)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%.1f KiB", v)
}

// balanceFigure shows each worker's share of the accepts, per accept mode.
func balanceFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("Each worker's share of the accepts it logged:\n\n```\n")
	for _, t := range r.Trials {
		accepts := experiment.WorkerAccepts(t)
		var workers []string
		total := 0
		for w, n := range accepts {
			workers = append(workers, w)
			total += n
		}
		sort.Strings(workers)
		for _, w := range workers {
			share := float64(accepts[w]) / float64(total)
			fmt.Fprintf(b, "%-10s worker %-2s %4d  %5.1f %%  %s\n", t.Arm, w, accepts[w], 100*share, strings.Repeat("█", int(share*40+0.5)))
		}
	}
	b.WriteString("```\n\n")
}
