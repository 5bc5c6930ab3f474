package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// slowClientsCharts draw, per model, how long each probe waited among the
// stalled clients (log scale: a microsecond apart from seconds), how many
// were answered within the check's bound, and what holding the stalled
// clients cost in processes and threads.
func slowClientsCharts(r experiment.Record, v experiment.SlowClientsView) []chart {
	during, step := v.During.Label, v.Probes.Label
	quick, _ := checkMetric(r, "replied_within")
	latency := newPanel("", "probe, in the order sent", "seconds until it ended (log)")
	latency.plot.Y.Scale, latency.plot.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	var cats []string
	within, replied := bars{name: "answered within " + quick.Arg}, bars{name: "answered at all"}
	procs, threads := bars{name: "processes"}, bars{name: "threads"}
	points := 0
	for i, t := range r.Trials {
		probes := experiment.OfStep(t, step)
		rs := experiment.Results(probes)
		sort.SliceStable(rs, func(a, b int) bool { return rs[a].Start.Before(rs[b].Start) })
		var xys plotter.XYs
		for k, c := range rs {
			// A log axis has no zero: an instant reply is drawn at 10 µs.
			xys = append(xys, plotter.XY{X: float64(k + 1), Y: math.Max(c.Done.Seconds(), 1e-5)})
		}
		points += len(xys)
		latency.line(trialName(r, t), i, xys)
		cats = append(cats, trialName(r, t))
		within.add(measurement(quick, t))
		replied.add(measurement(experiment.Outcomes(client.Replied), probes))
		procs.add(measurement(experiment.Processes(probeAt(during)), t))
		threads.add(measurement(experiment.Threads(probeAt(during)), t))
	}
	if len(cats) == 0 {
		return nil
	}
	var out []chart
	if points > 0 {
		out = append(out, single("How long each probe took, per model",
			"Each probe's time from its start to its end, per model, on a log scale: a model stuck on the stalled clients answers only when they give up.", latency))
	}
	return append(out,
		single("Probes answered, per model", "Per model, the probes answered within "+quick.Arg+" and those answered at all.",
			barPanel("model", "probes", cats, []bars{within, replied})),
		single("Processes and threads holding the stalled clients, per model",
			"Per model, the server's processes and threads at the probe taken during the stall.",
			barPanel("model", "tasks", cats, []bars{procs, threads})))
}

// idleCharts set out, per model, the idle connections it kept open, what it
// spent on them in processes and threads, and in memory per connection.
func idleCharts(r experiment.Record, v experiment.IdleView) []chart {
	holding, idle := v.Holding.Label, v.Idle.Label
	var cats []string
	kept := bars{name: "kept open"}
	procs, threads := bars{name: "processes"}, bars{name: "threads"}
	rss, mem := bars{name: "resident memory"}, bars{name: "cgroup memory"}
	for _, t := range r.Trials {
		cats = append(cats, trialName(r, t))
		kept.add(measurement(experiment.KeptOpen().Among(clientsOf(idle)), t))
		procs.add(measurement(experiment.Processes(probeAt(holding)), t))
		threads.add(measurement(experiment.Threads(probeAt(holding)), t))
		rss.add(measurement(experiment.RSSPerConn(clientsOf(idle)), t))
		mem.add(measurement(experiment.MemoryPerConn(clientsOf(idle)), t))
	}
	if len(cats) == 0 {
		return nil
	}
	return []chart{
		single("Idle connections kept open, per model",
			"Per model, the idle clients that got their reply and whose connection the server had not closed when they let go.",
			barPanel("model", "connections", cats, []bars{kept})),
		single("Processes and threads while holding them, per model",
			"Per model, the server's processes and threads at the probe taken while the idle clients held their connections.",
			barPanel("model", "tasks", cats, []bars{procs, threads})),
		single("Memory per connection kept open, per model",
			"Per model, the growth of resident memory and of the cgroup's charge (socket buffers included) from the first sample to the peak, over the connections kept open.",
			barPanel("model", "KiB per connection", cats, []bars{rss, mem})),
	}
}

// balanceCharts draw each worker's share of the accepts it logged, per
// accept mode, against the even spread its --workers flag makes.
func balanceCharts(r experiment.Record) []chart {
	var cats, workers []string
	var accepts []map[string]int
	even := 0.0
	for _, t := range r.Trials {
		cats = append(cats, trialName(r, t))
		a := experiment.WorkerAccepts(t)
		accepts = append(accepts, a)
		for w := range a {
			if !slices.Contains(workers, w) {
				workers = append(workers, w)
			}
		}
		if n, err := strconv.Atoi(argAfter(t.Args, "--workers")); err == nil && n > 0 {
			even = 100 / float64(n)
		}
	}
	if len(workers) == 0 {
		return nil
	}
	sort.Slice(workers, func(i, j int) bool { return byNumber(workers[i], workers[j]) })
	var series []bars
	for _, w := range workers {
		s := bars{name: "worker " + w}
		for _, a := range accepts {
			total := 0
			for _, n := range a {
				total += n
			}
			s.add(100*float64(a[w])/float64(max(total, 1)), total > 0)
		}
		series = append(series, s)
	}
	p := barPanel("accept mode", "% of the accepts", cats, series)
	if even > 0 {
		p.level(fmt.Sprintf("an even spread (%.0f %%)", even), even)
	}
	return []chart{single("Each worker's share of the accepts, per accept mode",
		"Per accept mode, the share of the accepts each prefork worker logged.", p)}
}

// byNumber orders names as numbers when both are, else as text: worker 10
// after worker 9.
func byNumber(a, b string) bool {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}
