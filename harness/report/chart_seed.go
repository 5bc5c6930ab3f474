package report

import (
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot/vg"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/experiment"
)

// chartsOf draws a view of r as SVG charts, as markdownView draws it for
// REPORT.md: each a view of the experiment's own metrics and timelines
// (experiment.Metric, experiment.Timeline, ...), never a second reckoning.
// Every trial's CPU and memory are drawn beside them (sampleCharts).
func chartsOf(r experiment.Record, v experiment.View) []chart {
	switch v := v.(type) {
	case experiment.TimingView, experiment.HangView:
		return staircaseCharts(r)
	case experiment.BacklogView:
		return backlogCharts(r)
	case experiment.DescriptorsView:
		return descriptorCharts(r)
	case experiment.ZombiesView:
		return zombieCharts(r)
	case experiment.ProcessLimitView:
		return processLimitCharts(r)
	case experiment.SlowClientsView:
		return slowClientsCharts(r, v)
	case experiment.IdleView:
		return idleCharts(r, v)
	case experiment.BalanceView:
		return balanceCharts(r)
	case experiment.ThroughputView:
		return throughputModeCharts(r)
	case experiment.LatencyView:
		return latencyCharts(loadRuns(r))
	}
	return nil // drawn in REPORT.md only: tables, no chart
}

// The phases of a connection, as the staircase colours them.
var (
	phaseHandshake = color.RGBA{200, 200, 200, 255}
	phaseWaiting   = color.RGBA{230, 159, 0, 255}
	phaseReply     = color.RGBA{0, 114, 178, 255}
)

// staircaseCharts draw, per trial, every connection from its start: until
// its handshake, connected and waiting for the reply, then from its first
// byte to its end (EOF, or the client's timeout). An iterative server
// answers the k-th client at (k-1)*D and closes at k*D: a staircase.
func staircaseCharts(r experiment.Record) []chart {
	var longest time.Duration
	for _, t := range r.Trials {
		if ds := experiment.DoneTimes(t); len(ds) > 0 {
			longest = max(longest, ds[len(ds)-1])
		}
	}
	var out []chart
	for _, t := range r.Trials {
		rs := experiment.Results(t)
		if len(rs) == 0 {
			continue
		}
		sortByDone(rs)
		name := trialName(r, t)
		p := newPanel("", "seconds from the connection's start", "connections, by when they ended")
		var ticks []string
		for i, c := range rs {
			y := float64(i)
			ticks = append(ticks, fmt.Sprintf("client %d", i+1))
			connect, first := c.Connect, c.FirstByte
			if connect == 0 {
				connect = c.Done
			}
			if first == 0 {
				first = c.Done
			}
			for _, s := range []struct {
				from, to time.Duration
				colour   color.Color
			}{{0, connect, phaseHandshake}, {connect, first, phaseWaiting}, {first, c.Done, phaseReply}} {
				if s.to <= s.from {
					continue
				}
				if l, err := segment(s.from.Seconds(), s.to.Seconds(), y, s.colour); err == nil {
					p.plot.Add(l)
				}
			}
		}
		p.plot.NominalY(ticks...)
		p.plot.Y.Min, p.plot.Y.Max = -0.7, float64(len(rs))-0.3
		p.plot.X.Min, p.plot.X.Max = 0, longest.Seconds()*1.02
		p.key("until the handshake", swatch{phaseHandshake})
		p.key("connected, waiting", swatch{phaseWaiting})
		p.key("first byte to end", swatch{phaseReply})
		c := single(fmt.Sprintf("%s: each connection, from its start", name),
			fmt.Sprintf("%d connections of %s, ordered by when they ended, each drawn from its start to its handshake, its first byte and its end; the last ended %.2f s in.",
				len(rs), name, rs[len(rs)-1].Done.Seconds()), p)
		c.height = chartHeight * 0.5
		if len(rs) > 3 {
			c.height = chartHeight * vg.Length(0.4+0.1*float64(min(len(rs), 16)))
		}
		out = append(out, c)
	}
	return out
}

// backlogCharts set, per backlog, the two counts the checks judge beside the
// values they predict (the check's own arg and value, as backlogFigure reads
// them).
func backlogCharts(r experiment.Record) []chart {
	var cats []string
	in, inPredicted := bars{name: "measured"}, bars{name: "predicted (backlog + 2)"}
	out, outPredicted := bars{name: "measured"}, bars{name: "predicted"}
	within := ""
	for _, t := range r.Trials {
		cats = append(cats, "backlog "+argAfter(t.Args, "--backlog")+trialSuffix(r, t))
		var inV, inP, outV, outP float64
		var inOK, inPOK, outOK, outPOK bool
		for _, c := range r.Experiment.Checks {
			if c.Arm != t.Arm {
				continue
			}
			switch c.Metric.Name {
			case "connected_within":
				within = c.Metric.Arg
				inV, inOK = measurement(c.Metric, t)
				inP, inPOK = c.Value, true
			case "unconnected":
				outV, outOK = measurement(c.Metric, t)
				outP, outPOK = c.Value, true
			}
		}
		in.add(inV, inOK)
		inPredicted.add(inP, inPOK)
		out.add(outV, outOK)
		outPredicted.add(outP, outPOK)
	}
	if len(cats) == 0 {
		return nil
	}
	return []chart{
		single("Connected at once (within "+within+"), per backlog", fmt.Sprintf(
			"For each backlog, the connections whose handshake completed within %s, beside the check's prediction of backlog + 2.", within),
			barPanel("listen backlog", "connections", cats, []bars{in, inPredicted})),
		single("Never connected, per backlog",
			"For each backlog, the connections whose handshake never completed before the client's timeout, beside the check's prediction.",
			barPanel("listen backlog", "connections", cats, []bars{out, outPredicted})),
	}
}

// descriptorCharts draw the server's descriptors climbing to nofile (or
// not), per trial.
func descriptorCharts(r experiment.Record) []chart {
	p := newPanel("", "seconds from the first sample", "open descriptors")
	n := 0
	var limits []int64
	for i, t := range r.Trials {
		xys := timelineXYs(experiment.Timeline(t, experiment.SeriesFDs))
		n += len(xys)
		p.line(trialName(r, t), i, xys)
		if !slices.Contains(limits, t.Limits.NoFile) && t.Limits.NoFile > 0 {
			limits = append(limits, t.Limits.NoFile)
		}
	}
	if n == 0 {
		return nil
	}
	for _, l := range limits {
		p.level(fmt.Sprintf("nofile %d", l), float64(l))
	}
	return []chart{single("The server's open descriptors, sampled every "+sampleEvery(r), "The server's open descriptors over each trial, against the nofile limit: a parent that keeps every client socket climbs to it, one that closes them stays flat.", p)}
}

// zombieCharts set, per trial, the zombies /proc showed at the last probe
// beside the log's forks − reaps: they must be the same.
func zombieCharts(r experiment.Record) []chart {
	var cats []string
	proc, log := bars{name: "zombies in /proc"}, bars{name: "forks − reaps in the log"}
	for _, t := range r.Trials {
		cats = append(cats, trialName(r, t))
		proc.add(measurement(experiment.Zombies(), t))
		log.add(float64(experiment.LogCount(t, catalogue.LogFork)-experiment.LogCount(t, catalogue.LogReap)), true)
	}
	if len(cats) == 0 {
		return nil
	}
	axis := "arm"
	if r.Experiment.Trials > 1 {
		axis = "arm and trial"
	}
	return []chart{single("Zombies at the last probe, beside the log's forks − reaps",
		"For each trial, the zombie children /proc showed at the last probe, and the forks the server logged minus the reaps: every fork not reaped is a child still there.",
		barPanel(axis, "children", cats, []bars{proc, log}))}
}

// processLimitCharts draw the zombies climbing to the process limit, and
// the host's task count over the storm, per trial.
func processLimitCharts(r experiment.Record) []chart {
	zombies := newPanel("", "seconds from the first sample", "zombie children")
	tasks := newPanel("", "seconds from the first sample", "tasks on the host")
	nz, nt := 0, 0
	var limits []int64
	for i, t := range r.Trials {
		z := timelineXYs(experiment.Timeline(t, experiment.SeriesZombies))
		h := timelineXYs(experiment.Timeline(t, experiment.SeriesHostTasks))
		nz, nt = nz+len(z), nt+len(h)
		name := trialName(r, t)
		if limit, forks, ok := experiment.BoundBy(t); ok {
			name += fmt.Sprintf(" (%s bound, %d forks)", limit, forks)
		}
		zombies.line(name, i, z)
		tasks.line(trialName(r, t), i, h)
		if l := min(t.Limits.NProc, t.Limits.Pids); l > 0 && !slices.Contains(limits, l) {
			limits = append(limits, l)
		}
	}
	for _, l := range limits {
		zombies.level("the lower limit, "+strconv.FormatInt(l, 10), float64(l))
	}
	var out []chart
	if nz > 0 {
		out = append(out, single("Zombie children during the storm, sampled every "+sampleEvery(r),
			"The server's zombie children over each trial: they climb until fork fails at the lower of the two process limits.", zombies))
	}
	if nt > 0 {
		out = append(out, single("Tasks on the whole host during the storm",
			"The host's task count over each trial: it grows by the zombies, and never past the limit.", tasks))
	}
	return out
}
