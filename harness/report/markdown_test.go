package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

const serverPID = 13

// record judges trials of the seed experiment name into a record made at
// started and ten seconds long.
func record(t *testing.T, name string, trials ...experiment.Trial) experiment.Record {
	t.Helper()
	e, err := experiment.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	rec := experiment.Record{Experiment: e, Started: started, Finished: started.Add(10 * time.Second), Trials: trials,
		Environment: experiment.Environment{CPUModel: "AMD EPYC", LabVersion: "0.1.0", LabCommit: "9c806e536b46b577939d7296e3775fc3804f6bfa",
			Engine: experiment.Engine{Kernel: "6.18.44", DockerVersion: "20.10.24", CgroupVersion: "2", Arch: "x86_64", CPUs: 2}}}
	rec.Checks, rec.Verdict = experiment.Judge(e, trials)
	return rec
}

// trial is trial 1 of arm, run as comm with args, the server listening with
// 4 descriptors, and steps.
func trial(arm, comm string, args []string, steps ...experiment.Observation) experiment.Trial {
	return experiment.Trial{Arm: arm, Trial: 1, Comm: comm, Args: args, Limits: catalogue.DefaultLimits(),
		Start: snapshot(comm, 0), Exit: experiment.Exit{Running: true}, Steps: steps,
		Logs: []string{fmt.Sprintf("listening pid=%d", serverPID)}}
}

// ended is a client step whose connections ended at dones, with 1 ms handshakes.
func ended(o client.Outcome, dones ...time.Duration) experiment.Observation {
	s := experiment.Observation{Label: "clients", Kind: experiment.StepClient}
	for i, d := range dones {
		s.Clients = append(s.Clients, client.Result{Client: i, Outcome: o, Connect: time.Millisecond, Done: d})
	}
	return s
}

// probe is a probe step that found the server with zombies zombie children.
func probe(comm string, zombies int) experiment.Observation {
	return experiment.Observation{Label: "after", Kind: experiment.StepProbe, Probe: snapshot(comm, zombies)}
}

func snapshot(comm string, zombies int) *agent.Snapshot {
	s := &agent.Snapshot{Somaxconn: 4096, HostTasks: 168, Processes: []agent.Process{
		{PID: 1, Comm: "lab", State: "S"}, {PID: serverPID, Comm: comm, State: "S", FDs: 4},
		{PID: 99, PPID: serverPID, Comm: comm, State: "S", FDs: 5}, // a live child is no zombie
	}}
	for i := 0; i < zombies; i++ {
		s.Processes = append(s.Processes, agent.Process{PID: 100 + i, PPID: serverPID, Comm: comm, State: "Z", FDs: -1})
	}
	return s
}

func repeat(n int, d time.Duration) []time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = d
	}
	return ds
}

// headOfLineRecord: the staircase, reproduced.
func headOfLineRecord(t *testing.T) experiment.Record {
	s := time.Second
	return record(t, "head-of-line",
		trial("3b", "iterative", nil, ended(client.Replied, s, 2*s, 3*s, 4*s, 5*s)),
		trial("3c", "forking", nil, ended(client.Replied, s, s, s, s, 1001964336*time.Nanosecond)))
}

// backlogRecord: backlog+2 handshakes at once, the rest never; reproduced
// but for backlog-128, where 129 connected.
func backlogRecord(t *testing.T) experiment.Record {
	var trials []experiment.Trial
	for _, b := range []int{0, 1, 5, 128} {
		fast := b + 2
		if b == 128 {
			fast--
		}
		step := ended(client.TimedOut, repeat(b+8, 3*time.Second)...)
		for i := fast; i < len(step.Clients); i++ {
			step.Clients[i].Connect = 0
		}
		trials = append(trials, queued(trial(fmt.Sprintf("backlog-%d", b), "iterative", []string{"--backlog", fmt.Sprint(b), "--delay", "10s"}, step), b+1))
	}
	return record(t, "backlog", trials...)
}

// queued gives tr a sample in which the socket sampler saw n
// connections in the listener's accept queue.
func queued(tr experiment.Trial, n int) experiment.Trial {
	tr.Samples = append(tr.Samples, agent.Sample{Server: 1, FDs: 4, Sockets: &agent.Sockets{AcceptQueue: n, Listeners: 1, States: map[string]int{}}})
	return tr
}

// zombiesRecord: 3c's 20 zombies (and its live child: 21 forks in the
// log), and a 3g trial that was never probed.
func zombiesRecord(t *testing.T) experiment.Record {
	c := trial("3c", "forking", nil, ended(client.Replied, repeat(20, time.Second)...), probe("forking", 20))
	for i := 0; i < 21; i++ {
		c.Logs = append(c.Logs, fmt.Sprintf("fork child=%d", 99+i))
	}
	return record(t, "zombies", c, trial("3g", "forking", nil, ended(client.Replied, repeat(20, time.Second)...)))
}

func TestMarkdown(t *testing.T) {
	recs := []experiment.Record{headOfLineRecord(t), backlogRecord(t), zombiesRecord(t)}
	md := string(Markdown(recs, nil))
	tests := []struct {
		name, want string
	}{
		// One environment row for the three records.
		{"environment", "| 6.18.44 | 20.10.24 | v2 | AMD EPYC | 2 | x86_64 | 0.1.0 (9c806e536b46) | none |\n"},
		// The verdict table, a row per record.
		{"verdict row", "| [head-of-line](#head-of-line-an-iterative-server-makes-every-client-wait-for-the-one-before) | **reproduced** | 2 | 10s | 2026-11-26 02:41 UTC |\n"},
		{"verdict row", "| [backlog](#backlog-the-listen-backlog-holds-the-connections-a-busy-server-has-not-accepted) | **not reproduced** | 4 | 10s | 2026-11-26 02:41 UTC |\n"},
		{"verdict row", "| [zombies](#zombies-children-never-waited-for-become-zombies) | **inconclusive** | 2 | 10s | 2026-11-26 02:41 UTC |\n"},
		// The article's words, labelled as the seed's, then the lab's prediction.
		{"seed", "- **The article says** (Part 3, webserver3b.py and webserver3c.py, its prose): “If you’ve done that within 60 seconds then the second curl"},
		{"prediction", "- **The lab predicts:** with a delay D = 1 s per request, 5 clients at once end in a staircase k*D"},
		{"mechanism", "- **Why:** An iterative server runs accept, serve, close in one process"},
		// Departures, worked out from the catalogue.
		{"departure", "  - 3b: delay 60 s → 1 s\n"},
		{"departure", "  - backlog-0: a 10 s delay the article's webserver3a.py does not have; backlog 5 → 0\n"},
		{"departure", "  - 3c: webserver3c stands in for the article's webserver3d\n"},
		// The one lab commit the records were made at.
		{"commit", "Every record was made at lab commit `9c806e536b46b577939d7296e3775fc3804f6bfa`.\n"},
		// Checks with their measured values, their margins and whether they held.
		{"check", "| `3b: staircase(1s) <= 0.25 in every trial` | 0 | +0.25 | yes | the k-th client ends within D/4 of k*D |\n"},
		{"check", "| `3c: done_max <= 1.5 in every trial` | 1.002 | +0.498 | yes |"},
		{"check", "| `backlog-128: connected_within(500ms) == 130 in every trial` | 129 | −1 | **no** |"},
		{"check", "| `3c: zombies == 20 in every trial` | 20 | 0 (exact) | yes |"},
		// A check that could not be decided says why, and has no margin.
		{"undecided", "| `3g: zombies == 0 in every trial` | ? (no probe step ran) | - | undecided: no probe step ran |"},
		{"reason", "Why not reproduced: backlog-128: connected_within(500ms) == 130 in every trial (got 129)"},
		// The timing figure: each connection's phases, and where each ended.
		{"timing", "```\nclient 1   " + strings.Repeat("─", 8) + strings.Repeat(" ", 32) + " ·0.001 ─1.000\n"},
		{"timing", "client 5   " + strings.Repeat("─", 40) + " ·0.001 ─5.000\n"},
		// 3c beside 3b on one scale: its clients end at 1 s of 3b's 5.
		{"timing", "client 5   " + strings.Repeat("─", 8) + strings.Repeat(" ", 32) + " ·0.001 ─1.002\n"},
		// The backlog table: each counted figure beside what its check predicts.
		{"backlog", "| backlog-5 | 5 | 13 | 7 | 7 | 6 | 6 | 4096 |\n"},
		{"backlog", "| backlog-128 | 128 | 136 | 129 | 130 | 7 | 6 | 4096 |\n"},
		// The log's forks and reaps beside /proc's zombies; the unprobed trial has no count.
		{"zombies", "| 3c | 21 | 0 | 21 | 20 |\n"},
		{"zombies", "| 3g | 0 | 0 | 0 | ? |\n"},
		// A chart's bars, as a table of the values drawn.
		{"zombie bars", "| arm | zombies in /proc (children) | forks − reaps in the log (children) |\n"},
		// The trials table.
		{"trials", "| backlog-0 | 1 | `--backlog 0 --delay 10s` | nofile 1024, nproc 1024, pids 1024 | 8 timed-out | running | 0s | `listening pid=13` |\n"},
	}
	for _, tt := range tests {
		if !strings.Contains(md, tt.want) {
			t.Errorf("%s: got no line %q in\n%s", tt.name, tt.want, md)
		}
	}
	for _, r := range recs {
		for _, c := range r.Checks {
			if want := "| `" + c.Check.String() + "` | "; !strings.Contains(md, want) {
				t.Errorf("check %s: got no row, want one", c.Check)
			}
		}
	}
	if n := strings.Count(md, "| 6.18.44 |"); n != 1 {
		t.Errorf("environment: got %d rows, want 1 for records made in one environment", n)
	}
}

// TestMarkdownPure: a report is a function of its records alone.
func TestMarkdownPure(t *testing.T) {
	recs := []experiment.Record{zombiesRecord(t), headOfLineRecord(t), backlogRecord(t)}
	before, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	want := Markdown(recs, nil)
	for i := 0; i < 10; i++ {
		if got := Markdown(recs, nil); !bytes.Equal(got, want) {
			t.Fatalf("run %d: got a different report for the same records", i+2)
		}
	}
	after, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, before) {
		t.Errorf("got records changed by Markdown, want them untouched")
	}
}

// TestMarkdownLastLine: the figures show the server's own last log line, as
// last_log_contains reads it, not that of a child that outlived it.
func TestMarkdownLastLine(t *testing.T) {
	d := trial("3d", "forking", nil, ended(client.Replied, time.Second), probe("forking", 0))
	d.Exit = experiment.Exit{ExitCode: 1}
	d.Logs = append(d.Logs, "accept fd=4", "accept: EMFILE (Too many open files)", "reply status=200 path=/hello pid=298")
	md := string(Markdown([]experiment.Record{record(t, "fd-exhaustion", d)}, nil))
	if want := "`accept: EMFILE (Too many open files)` |\n"; strings.Count(md, want) != 2 {
		t.Errorf("got %d rows ending in %q, want 2 (descriptors figure, trials table) in\n%s", strings.Count(md, want), want, md)
	}
}

// TestMarkdownBesideReference: a run is set beside the reference, verdict
// by verdict and check by check, and only when there is one.
func TestMarkdownBesideReference(t *testing.T) {
	run := []experiment.Record{headOfLineRecord(t), backlogRecord(t)}
	ref := []experiment.Record{headOfLineRecord(t)}
	// The reference's backlog reproduced: every backlog+2 connected.
	var trials []experiment.Trial
	for _, b := range []int{0, 1, 5, 128} {
		step := ended(client.TimedOut, repeat(b+8, 3*time.Second)...)
		for i := b + 2; i < len(step.Clients); i++ {
			step.Clients[i].Connect = 0
		}
		trials = append(trials, queued(trial(fmt.Sprintf("backlog-%d", b), "iterative", []string{"--backlog", fmt.Sprint(b)}, step), b+1))
	}
	ref = append(ref, record(t, "backlog", trials...))
	md := string(Markdown(run, ref))
	for _, want := range []string{
		"## Beside the reference run\n",
		"| head-of-line | reproduced | reproduced | yes |\n",
		"| backlog | not reproduced | reproduced | **no** |\n",
		"| backlog | `backlog-128: connected_within(500ms) == 130 in every trial` | 129 | 130 |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("got no %q in\n%s", want, md)
		}
	}
	if strings.Contains(string(Markdown(run, nil)), "Beside the reference") {
		t.Errorf("without a reference: got a comparison, want none")
	}
}
