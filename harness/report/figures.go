package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
)

// figures draw, for the experiments that have one, the picture behind the
// verdict. Every other experiment is shown by its checks and trials table.
var figures = map[string]func(*strings.Builder, experiment.Record){
	"head-of-line":       staircaseFigure,
	"client-hang":        staircaseFigure,
	"backlog":            backlogFigure,
	"zombies":            zombiesFigure,
	"sigchld-coalescing": zombiesFigure,
	"fd-exhaustion":      limitsFigure,
	"process-limit":      limitsFigure,
}

// staircaseFigure draws when each connection ended, per arm.
func staircaseFigure(b *strings.Builder, r experiment.Record) {
	var max time.Duration
	for _, t := range r.Trials {
		for _, d := range doneTimes(t) {
			max = maxDuration(max, d)
		}
	}
	b.WriteString("When each connection ended (EOF, or the client's timeout), from its start:\n\n```\n")
	for _, t := range r.Trials {
		for i, d := range doneTimes(t) {
			fmt.Fprintf(b, "%-4s client %-3d %6.2f s  %s\n", t.Arm, i+1, d.Seconds(), bar(d.Seconds(), max.Seconds(), 40))
		}
	}
	b.WriteString("```\n\n")
}

func maxDuration(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// backlogFigure tabulates, per backlog, how many handshakes completed at once
// (within the threshold its connected_within check states) and how the
// others fared, with the namespace's somaxconn.
func backlogFigure(b *strings.Builder, r experiment.Record) {
	fast := map[string]time.Duration{}
	for _, c := range r.Experiment.Checks {
		if d, err := time.ParseDuration(c.Arg); c.Metric == "connected_within" && err == nil {
			fast[c.Arm] = d
		}
	}
	b.WriteString("| arm | backlog | connections | handshake at once | handshake ≥ 1 s | timed out | predicted at once (backlog+1, +1 served) | net.core.somaxconn |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		within := fast[t.Arm]
		quick, slow, timedOut, n := 0, 0, 0, 0
		for _, s := range t.Steps {
			for _, c := range s.Clients {
				n++
				switch {
				case c.Connect > 0 && c.Connect < within:
					quick++
				case c.Connect >= time.Second:
					slow++
				}
				if c.Outcome == "timed-out" {
					timedOut++
				}
			}
		}
		backlog := argAfter(t.Args, "--backlog")
		somaxconn := 0
		if t.Start != nil {
			somaxconn = t.Start.Somaxconn
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d (< %v) | %d | %d | %s | %d |\n", t.Arm, backlog, n, quick, within, slow, timedOut, plusTwo(backlog), somaxconn)
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

func plusTwo(n string) string {
	var v int
	if _, err := fmt.Sscan(n, &v); err != nil {
		return "?"
	}
	return fmt.Sprint(v + 2)
}

// zombiesFigure shows the zombie children at the last probe, per trial.
func zombiesFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("Zombie children of the server at the last probe, per trial:\n\n```\n")
	for _, t := range r.Trials {
		n := "?"
		for i := len(t.Steps) - 1; i >= 0; i-- {
			if p := t.Steps[i].Probe; p != nil {
				if srv, ok := p.Server(t.Comm); ok {
					z := len(p.Zombies(srv.PID))
					n = fmt.Sprintf("%3d  %s", z, strings.Repeat("Z", z))
				}
				break
			}
		}
		fmt.Fprintf(b, "%-4s trial %d  %s\n", t.Arm, t.Trial, n)
	}
	b.WriteString("```\n\n")
}

// limitsFigure sets the server's accepts and forks against its limits.
func limitsFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("| arm | nofile | nproc | pids | descriptors at start | accepts | forks | host tasks at start → end | last log line |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		fds, tasks := "?", "?"
		if t.Start != nil {
			if srv, ok := t.Start.Server(t.Comm); ok {
				fds = fmt.Sprint(srv.FDs)
			}
			for i := len(t.Steps) - 1; i >= 0; i-- {
				if p := t.Steps[i].Probe; p != nil {
					tasks = fmt.Sprintf("%d → %d", t.Start.HostTasks, p.HostTasks)
					break
				}
			}
		}
		accepts, forks := 0, 0
		for _, l := range t.Logs {
			switch {
			case strings.HasPrefix(l, "accept fd="):
				accepts++
			case strings.HasPrefix(l, "fork child="):
				forks++
			}
		}
		last, _ := experiment.LastLine(t)
		fmt.Fprintf(b, "| %s | %d | %d | %d | %s | %d | %d | %s | `%s` |\n", t.Arm, t.Limits.NoFile, t.Limits.NProc,
			t.Limits.Pids, fds, accepts, forks, tasks, cell(last))
	}
	b.WriteString("\n")
}
