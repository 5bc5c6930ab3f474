package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/experiment"
)

// markdownView draws a view of r, as REPORT.md shows it: a view of the
// experiment's own metrics and timelines (experiment.Metric,
// experiment.Timeline), never a second reckoning.
func markdownView(b *strings.Builder, r experiment.Record, v experiment.View) {
	switch v := v.(type) {
	case experiment.TimingView:
		timingFigure(b, r)
	case experiment.HangView:
		hangFigure(b, r, v.During)
	case experiment.BacklogView:
		backlogFigure(b, r)
	case experiment.ZombiesView:
		zombiesFigure(b, r)
	case experiment.DescriptorsView:
		descriptorsFigure(b, r)
	case experiment.ProcessLimitView:
		processLimitFigure(b, r)
	case experiment.SlowClientsView:
		slowClientsFigure(b, r, v)
	case experiment.IdleView:
		idleFigure(b, r, v)
	case experiment.BalanceView:
		balanceFigure(b, r)
	case experiment.ThroughputView:
		throughputFigure(b, r)
	case experiment.LatencyView:
		latencyFigure(b, r)
	case experiment.WSGIAppsView:
		wsgiAppsFigure(b, r)
	case experiment.RobustnessView:
		robustnessFigure(b, r)
	}
}

// value is a metric's value in a trial as a table shows it: "?" when the
// observations cannot give it.
func value(m experiment.Metric, t experiment.Trial) string {
	v, err := m.Of(t)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%g", v)
}

// checkMetric is the metric of r's first check on name: a figure shows
// what the checks judged, with their parameters.
func checkMetric(r experiment.Record, name string) (experiment.Metric, bool) {
	for _, c := range r.Experiment.Checks {
		if c.Metric.Name == name {
			return c.Metric, true
		}
	}
	return experiment.Metric{}, false
}

// probeAt and clientsOf name the step of an experiment a figure reads.
func probeAt(label string) experiment.Step {
	return experiment.Step{Kind: experiment.StepProbe, Label: label}
}

func clientsOf(label string) experiment.Step {
	return experiment.Step{Kind: experiment.StepClient, Label: label}
}

// timingFigure draws, per connection, when its handshake completed, when
// its first byte came and when it ended (EOF, or the client's timeout): an
// iterative server answers the k-th client at (k-1)*D and closes at k*D.
func timingFigure(b *strings.Builder, r experiment.Record) {
	var longest time.Duration
	for _, t := range r.Trials {
		for _, d := range experiment.DoneTimes(t) {
			longest = max(longest, d)
		}
	}
	b.WriteString("Each connection from its start: `·` before its handshake, `c` connected, `─` waiting for the reply, `r` its first byte, `█` until EOF (or the client's timeout):\n\n```\n")
	for _, t := range r.Trials {
		rs := experiment.Results(t)
		sortByDone(rs)
		for i, c := range rs {
			fmt.Fprintf(b, "%-4s client %-2d connect %5.2f s  first byte %5.2f s  end %5.2f s  %s\n", t.Arm, i+1,
				c.Connect.Seconds(), c.FirstByte.Seconds(), c.Done.Seconds(), timingBar(c.Connect, c.FirstByte, c.Done, longest, 40))
		}
	}
	b.WriteString("```\n\n")
}

// hangFigure is the timing figure, and what the probe saw during the hang.
func hangFigure(b *strings.Builder, r experiment.Record, at experiment.Step) {
	timingFigure(b, r)
	during := at.Label
	b.WriteString("What the probe saw 1 s in, while the client waited:\n\n| arm | live children | server holds the client's socket (by inode) | server's descriptors |\n|---|---|---|---|\n")
	for _, t := range r.Trials {
		fds := "?"
		for _, s := range t.Steps {
			if s.Label == during && s.Probe != nil {
				if srv, ok := s.Probe.Server(t.Comm); ok {
					fds = fmt.Sprint(srv.FDs)
				}
			}
		}
		held := map[string]string{"1": "yes", "0": "no"}[value(experiment.HoldsClientSocket(probeAt(during)), t)]
		if held == "" {
			held = "?"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", t.Arm, value(experiment.LiveChildren(probeAt(during)), t), held, fds)
	}
	b.WriteString("\n")
}

// backlogFigure tabulates, per backlog, the two counts the checks judge,
// beside the values they predict, with the namespace's somaxconn.
func backlogFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("| arm | backlog | connections | connected at once | predicted | never connected | predicted | net.core.somaxconn |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		var within, predictedIn, predictedOut string
		for _, c := range r.Experiment.Checks {
			if c.Arm != t.Arm {
				continue
			}
			switch c.Metric.Name {
			case "connected_within":
				within = fmt.Sprintf("%s (< %s)", value(c.Metric, t), c.Metric.Arg)
				predictedIn = fmt.Sprintf("%g", c.Value)
			case "unconnected":
				predictedOut = fmt.Sprintf("%g", c.Value)
			}
		}
		somaxconn := "?"
		if t.Start != nil {
			somaxconn = fmt.Sprint(t.Start.Somaxconn)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", t.Arm, argAfter(t.Args, "--backlog"),
			value(experiment.Connections(), t), within, predictedIn, value(experiment.Unconnected(), t), predictedOut, somaxconn)
	}
	b.WriteString("\n")
}

func argAfter(args []string, flag string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			return args[i+1]
		}
	}
	return "?"
}

// zombiesFigure sets the log's bookkeeping beside /proc's, per trial:
// forks - reaps must be the children still there.
func zombiesFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("The server's log beside /proc at the last probe, per trial:\n\n| arm | trial | forks | reaps | forks − reaps | zombies in /proc |  |\n|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		forks, reaps := experiment.LogCount(t, catalogue.LogFork), experiment.LogCount(t, catalogue.LogReap)
		z := value(experiment.Zombies(), t)
		bar := ""
		if n, err := experiment.Zombies().Of(t); err == nil {
			bar = strings.Repeat("Z", int(n))
		}
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %s | `%s` |\n", t.Arm, t.Trial, forks, reaps, forks-reaps, z, bar)
	}
	b.WriteString("\n")
}

// descriptorsFigure sets the server's descriptors against its limit, and
// draws them climbing (or not) over the samples.
func descriptorsFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("| arm | nofile | descriptors at start | accepts | descriptor growth | last log line |\n|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		last, _ := experiment.LastLine(t)
		fmt.Fprintf(b, "| %s | %d | %s | %d | %s | `%s` |\n", t.Arm, t.Limits.NoFile, value(experiment.FDsAtStart(), t),
			experiment.LogCount(t, catalogue.LogAccept), value(experiment.FDsGrowth(), t), cell(last))
	}
	b.WriteString("\nThe server's open descriptors, sampled every " + sampleEvery(r) + ":\n\n```\n")
	for _, t := range r.Trials {
		b.WriteString(sparkline(t.Arm, experiment.Timeline(t, experiment.SeriesFDs)))
	}
	b.WriteString("```\n\n")
}

// processLimitFigure says which limit bound in each arm and at what count,
// and draws the zombies climbing to it.
func processLimitFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("| arm | nproc | pids | forks | limit that bound | host tasks: start → peak | last log line |\n|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		bound := "neither: the forks reached no limit - 1"
		limit, forks, ok := experiment.BoundBy(t)
		if ok {
			bound = fmt.Sprintf("**%s**, after %d forks", limit, forks)
		}
		tasks := "?"
		if t.Start != nil {
			peak, _ := experiment.Peak(experiment.Timeline(t, experiment.SeriesHostTasks))
			tasks = fmt.Sprintf("%d → %g", t.Start.HostTasks, peak)
		}
		last, _ := experiment.LastLine(t)
		fmt.Fprintf(b, "| %s | %d | %d | %d | %s | %s | `%s` |\n", t.Arm, t.Limits.NProc, t.Limits.Pids, forks, bound, tasks, cell(last))
	}
	b.WriteString("\nZombie children of the server during the storm, sampled every " + sampleEvery(r) + ":\n\n```\n")
	for _, t := range r.Trials {
		b.WriteString(sparkline(t.Arm, experiment.Timeline(t, experiment.SeriesZombies)))
	}
	b.WriteString("```\n\n")
}

func sampleEvery(r experiment.Record) string {
	if r.Experiment.SampleEvery > 0 {
		return r.Experiment.SampleEvery.String()
	}
	return "1s"
}
