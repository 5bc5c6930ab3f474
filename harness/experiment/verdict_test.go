package experiment

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

// predicted returns, for each seed experiment, trials that show what the
// seed predicts.
var predicted = map[string]func(e Experiment) []Trial{
	"hello": func(e Experiment) []Trial {
		var ts []Trial
		for _, a := range e.Arms {
			if a.Wire == catalogue.WireSeed {
				ts = append(ts, observe(e, a.Name, 1).seedHello().Trial)
				continue
			}
			ts = append(ts, observe(e, a.Name, 1).hello(date1, date2).Trial)
		}
		return ts
	},
	"head-of-line": func(e Experiment) []Trial {
		return []Trial{
			observe(e, "3b", 1).clients("5 clients at once", conns(client.Replied, sec(1), sec(2.01), sec(3), sec(4.02), sec(5))...).Trial,
			observe(e, "3c", 1).clients("5 clients at once", conns(client.Replied, sec(1), sec(1.01), sec(1), sec(1.02), sec(1.05))...).Trial,
		}
	},
	"backlog": func(e Experiment) []Trial {
		var ts []Trial
		for _, b := range []int{0, 1, 5, 128} {
			// All time out: the first is served for 10 s, the queued wait.
			var rs []client.Result
			for i := 0; i < b+8; i++ {
				connect := time.Millisecond
				if i >= b+2 {
					connect = 0 // its SYNs dropped
				}
				rs = append(rs, conn(client.TimedOut, connect, 3*time.Second))
			}
			ts = append(ts, observe(e, fmt.Sprintf("backlog-%d", b), 1).clients("clients", rs...).
				socketSample(b+1, map[string]int{"ESTABLISHED": 1, "SYN_RECV": 0}).Trial)
		}
		return ts
	},
	"client-hang": func(e Experiment) []Trial {
		// The background client's record comes after the probe's.
		return []Trial{
			observe(e, "3c", 1).probeAt("during the hang", false).clients("1 client", conns(client.Replied, 2*time.Millisecond)...).
				socketSample(0, map[string]int{"TIME_WAIT": 1}).Trial,
			observe(e, "3d", 1).probeAt("during the hang", true).clients("1 client", conns(client.NoEOF, sec(3.001))...).
				socketSample(0, map[string]int{"ESTABLISHED": 1}).socketSample(0, map[string]int{"CLOSE_WAIT": 1}).Trial,
		}
	},
	"fd-exhaustion": func(e Experiment) []Trial {
		d := observe(e, "3d", 1) // nofile 256, 4 descriptors at start: 252 accepts
		for i := 0; i < 252; i++ {
			d = d.logs(fmt.Sprintf("accept fd=%d", i+4), fmt.Sprintf("fork child=%d", childPID+i))
		}
		d = d.logs("accept: EMFILE (Too many open files)",
			// Children outlive the server and log after it.
			"reply status=200 path=/hello pid=351", "reply status=200 path=/hello pid=352")
		rs := append(conns(client.Replied, times(252, sec(0.5))...), conns(client.Refused, times(48, sec(0.9))...)...)
		return []Trial{
			d.clients("300 clients over 1 s", rs...).probe(0).exited(1).samples(SeriesFDs, 4, 60, 130, 200, 255).Trial,
			observe(e, "3c", 1).clients("300 clients over 1 s", conns(client.Replied, times(300, sec(0.5))...)...).probe(0).
				samples(SeriesFDs, 4, 5, 4, 5, 4).Trial,
		}
	},
	"zombies": func(e Experiment) []Trial {
		rs := conns(client.Replied, times(20, sec(0.5))...)
		// 21 forks: the 20 clients' and the live child every fake probe has.
		return []Trial{
			observe(e, "3c", 1).reaped(21, 0).clients("20 clients", rs...).probe(20).Trial,
			observe(e, "3g", 1).reaped(21, 20).clients("20 clients", rs...).probe(0).Trial,
		}
	},
	"process-limit": func(e Experiment) []Trial {
		// The limit at 400 leaves the server and 399 children.
		rs := append(conns(client.Replied, times(399, sec(1))...), conns(client.Refused, times(101, sec(2))...)...)
		var ts []Trial
		for _, arm := range []string{"nproc-400", "pids-400", "3d-u400"} {
			c := observe(e, arm, 1).reaped(399, 0).logs("fork: EAGAIN (Resource temporarily unavailable)")
			ts = append(ts, c.clients("500 clients over 2 s", rs...).probe(0).exited(1).
				samples(SeriesHostTasks, startTasks, startTasks+200, startTasks+400, startTasks).Trial)
		}
		return ts
	},
	"eintr": func(e Experiment) []Trial {
		served := "reply status=200 path=/hello pid=47"
		return []Trial{
			observe(e, "3e", 1).clients("first client", conns(client.Replied, sec(1))...).
				clients("second client", conns(client.Refused, time.Millisecond)...).
				logs("accept fd=4", "fork child=47", served, "reap child=47 status=0", "accept: EINTR (Interrupted system call)").
				exited(1).Trial,
			observe(e, "3f", 1).clients("first client", conns(client.Replied, sec(1))...).
				clients("second client", conns(client.Replied, sec(1))...).
				logs("accept fd=4", "fork child=47", served, "reap child=47 status=0",
					"accept: EINTR (Interrupted system call) restarting", "accept fd=4").Trial,
		}
	},
	"sigchld-coalescing": func(e Experiment) []Trial {
		return coalescing(e, []int{3, 0, 5, 1, 2})
	},
}

// coalescing returns sigchld-coalescing's trials in which 3f leaves
// zombies[i] zombies in trial i+1 (-1: no probe ran) and 3g none.
func coalescing(e Experiment, zombies []int) []Trial {
	var ts []Trial
	rs := conns(client.Replied, times(128, sec(0.2))...)
	for i, z := range zombies {
		// 129 forks: the clients' and the fake probe's live child.
		f := observe(e, "3f", i+1).reaped(129, 128-max(z, 0)).clients("128 clients at once", rs...)
		if z >= 0 {
			f = f.probe(z)
		}
		ts = append(ts, f.Trial, observe(e, "3g", i+1).reaped(129, 128).clients("128 clients at once", rs...).probe(0).Trial)
	}
	return ts
}

// find returns trial n of arm.
func find(ts []Trial, arm string, n int) *Trial {
	for i := range ts {
		if ts[i].Arm == arm && ts[i].Trial == n {
			return &ts[i]
		}
	}
	panic("no trial " + arm)
}

// lastProbeOf is t's last step, its probe in these fakes.
func lastProbeOf(t *Trial) *Observation { return &t.Steps[len(t.Steps)-1] }

// judgeCase is an experiment's predicted trials, or a variant of them that
// breaks a prediction, and the verdict it must get.
type judgeCase struct {
	exp    string
	breaks string        // what the variant changes; "" for the trials as predicted
	change func([]Trial) // nil for the trials as predicted
	want   Outcome
	fail   []string // the checks that do not hold
}

// TestJudge judges every experiment of the suite on trials as predicted
// (reproduced) and on variants that break a prediction (not reproduced).
func TestJudge(t *testing.T) {
	tests := append(seedCases, modelCases...)
	covered := map[string]map[Outcome]bool{}
	for _, tt := range tests {
		e := mustLookup(tt.exp)
		trials := predicted[tt.exp](e)
		if tt.change != nil {
			tt.change(trials)
		}
		results, v := Judge(e, trials)
		name := tt.exp + ": " + tt.breaks
		if v.Outcome != tt.want {
			t.Errorf("%s: got %s (%s), want %s", name, v.Outcome, v.Reason, tt.want)
		}
		var fail []string
		for _, r := range results {
			if r.Unavailable != "" {
				t.Errorf("%s: %s undecided: %s", name, r.Check, r.Unavailable)
			}
			if !r.Held {
				fail = append(fail, r.Check.String())
			}
		}
		if !slices.Equal(fail, tt.fail) {
			t.Errorf("%s: got failing %q, want %q", name, fail, tt.fail)
		}
		for _, f := range tt.fail {
			if !strings.Contains(v.Reason, f) {
				t.Errorf("%s: got reason %q, want it to name %q", name, v.Reason, f)
			}
		}
		if covered[tt.exp] == nil {
			covered[tt.exp] = map[Outcome]bool{}
		}
		covered[tt.exp][v.Outcome] = true
	}
	for _, e := range Suite() {
		if !covered[e.Name][Reproduced] || !covered[e.Name][NotReproduced] {
			t.Errorf("%s: got outcomes %v, want both reproduced and not reproduced tested", e.Name, covered[e.Name])
		}
	}
}

var seedCases = []judgeCase{
	// Every preset replies as the seed says.
	{"hello", "", nil, Reproduced, nil},
	{"hello", "3d sends the same Date twice", func(ts []Trial) {
		f := find(ts, "webserver3d/http", 1)
		f.Steps[1].Clients[0].Reply = httpReply(200, date1, catalogue.HelloBody)
	}, NotReproduced, []string{"webserver3d/http: conformance_failures == 0 in every trial"}},
	// 3b serves its clients one after another, 3c all at once.
	{"head-of-line", "", nil, Reproduced, nil},
	{"head-of-line", "the staircase is flat", func(ts []Trial) {
		for i := range ts[0].Steps[0].Clients {
			ts[0].Steps[0].Clients[i].Done = sec(1)
		}
	}, NotReproduced, []string{"3b: staircase(1s) <= 0.25 in every trial"}},
	// backlog+1 handshakes complete, the other SYNs are dropped.
	{"backlog", "", nil, Reproduced, nil},
	{"backlog", "a dropped SYN is retried and connects after 1.5 s", func(ts []Trial) {
		rs := find(ts, "backlog-5", 1).Steps[0].Clients
		rs[len(rs)-1].Connect = sec(1.5)
	}, NotReproduced, []string{"backlog-5: unconnected == 6 in every trial"}},
	// 3d's client hangs, 3c's gets EOF at once.
	{"client-hang", "", nil, Reproduced, nil},
	{"client-hang", "3d's parent closes its end when the client does", func(ts []Trial) {
		find(ts, "3d", 1).Samples[1].Sockets = &agent.Sockets{Listeners: 1, States: map[string]int{"TIME_WAIT": 1}}
	}, NotReproduced, []string{"3d: sockets_peak(state:CLOSE_WAIT) >= 1 in every trial"}},
	{"client-hang", "3d's client gets EOF at once", func(ts []Trial) {
		find(ts, "3d", 1).Steps[1].Clients = conns(client.Replied, 2*time.Millisecond)
	}, NotReproduced, []string{
		"3d: outcome(reply-without-eof) == 1 in every trial",
		"3d: done_max >= 2.9 in every trial",
	}},
	{"client-hang", "3d's parent no longer holds the socket: another inode", func(ts []Trial) {
		p := find(ts, "3d", 1).Steps[0].Probe
		p.TCP[0].Inode = serverSocket + 1
	}, NotReproduced, []string{"3d: holds_client_socket(during the hang) == 1 in every trial"}},
	// 3d dies of EMFILE after 252 accepts, 3c lives; children log after 3d died.
	{"fd-exhaustion", "", nil, Reproduced, nil},
	{"fd-exhaustion", "3d's last server line is not EMFILE", func(ts []Trial) {
		d := find(ts, "3d", 1)
		i := slices.Index(d.Logs, "accept: EMFILE (Too many open files)")
		d.Logs[i] = "accept: ENFILE (Too many open files in system)"
	}, NotReproduced, []string{"3d: last_log_contains(accept: EMFILE) == 1 in every trial"}},
	{"fd-exhaustion", "3c's descriptors climb too", func(ts []Trial) {
		find(ts, "3c", 1).Samples[2].FDs = 40
	}, NotReproduced, []string{"3c: fds_growth <= 2 in every trial"}},
	// 3c leaves a zombie per client, 3g none.
	{"zombies", "", nil, Reproduced, nil},
	{"zombies", "3g leaves a zombie", func(ts []Trial) {
		lastProbeOf(find(ts, "3g", 1)).Probe = snapshot("forking", 1, startTasks)
	}, NotReproduced, []string{"3g: zombies == 0 in every trial", "3g: log_zombie_gap == 0 in every trial"}},
	// 3c dies of EAGAIN after 399 forks, and the host is untouched.
	{"process-limit", "", nil, Reproduced, nil},
	{"process-limit", "the host's task count peaks 500 above its start", func(ts []Trial) {
		find(ts, "pids-400", 1).Samples[2].HostTasks = startTasks + 500
	}, NotReproduced, []string{"pids-400: host_tasks_peak_growth <= 450 in every trial"}},
	{"process-limit", "the pids arm forks on past 400: nproc bound", func(ts []Trial) {
		p := find(ts, "pids-400", 1)
		last := p.Logs[len(p.Logs)-1]
		for i := 0; i < 600; i++ {
			p.Logs = append(p.Logs[:len(p.Logs)-1], "fork child=9", last)
		}
	}, NotReproduced, []string{"pids-400: process_limit_margin(pids) <= 0 in every trial"}},
	// 3d at the article's -n 500 runs out of descriptors first.
	{"process-limit", "3d-u400 dies of EMFILE", func(ts []Trial) {
		p := find(ts, "3d-u400", 1)
		p.Logs[len(p.Logs)-1] = "accept: EMFILE (Too many open files)"
	}, NotReproduced, []string{"3d-u400: last_log_contains(fork: EAGAIN) == 1 in every trial", "3d-u400: log_contains(accept: EMFILE) == 0 in every trial"}},
	{"zombies", "the log reaps a child /proc still shows as a zombie", func(ts []Trial) {
		c := find(ts, "3c", 1)
		c.Logs = append(c.Logs, "reap child=101 status=0")
	}, NotReproduced, []string{"3c: log_zombie_gap == 0 in every trial"}},
	// 3e dies of EINTR, 3f restarts accept().
	{"eintr", "", nil, Reproduced, nil},
	{"eintr", "3e exits 0, not through die()", func(ts []Trial) {
		find(ts, "3e", 1).Exit.ExitCode = 0
	}, NotReproduced, []string{"3e: exit_code == 1 in every trial"}},
	// 3f leaves zombies in some trials, 3g in none.
	{"sigchld-coalescing", "", nil, Reproduced, nil},
	{"sigchld-coalescing", "3f leaves no zombie in any trial", func(ts []Trial) {
		copy(ts, coalescing(mustLookup("sigchld-coalescing"), []int{0, 0, 0, 0, 0}))
	}, NotReproduced, []string{"3f: zombies > 0 in any trial"}},
}

func TestJudgeInconclusive(t *testing.T) {
	tests := []struct {
		name   string
		change func([]Trial)
		reason string // what the verdict's reason must say
	}{
		// A trial that could not run makes the verdict inconclusive.
		{"trial error", func(ts []Trial) {
			ts[0] = Trial{Arm: "3c", Trial: 1, Error: "start webserver3c: no such image"}
		}, "3c trial 1 did not run: start webserver3c: no such image"},
		// Without a probe step, zombies cannot be counted.
		{"no probe", func(ts []Trial) {
			g := find(ts, "3g", 1)
			g.Steps = g.Steps[:len(g.Steps)-1]
		}, "3g: zombies == 0 in every trial: no probe step ran"},
		// The server gone by the last probe: its zombies cannot be told.
		{"server absent", func(ts []Trial) {
			lastProbeOf(find(ts, "3c", 1)).Probe.Processes[1].PPID = 1
		}, "3c: zombies == 20 in every trial: no forking process in the probe"},
		// An arm that has no trial at all.
		{"arm missing", func(ts []Trial) { ts[1].Arm = "3x" }, "3g: outcome(replied) == 20 in every trial: no trial gave a value"},
	}
	e := mustLookup("zombies")
	for _, tt := range tests {
		trials := predicted["zombies"](e)
		tt.change(trials)
		results, v := Judge(e, trials)
		for _, r := range results {
			for _, tv := range r.Values {
				if find(trials, r.Check.Arm, tv.Trial).Error != "" {
					t.Errorf("%s: %s: got a value for a trial that did not run, want it skipped", tt.name, r.Check)
				}
			}
		}
		if v.Outcome != Inconclusive {
			t.Errorf("%s: got %s (%s), want %s", tt.name, v.Outcome, v.Reason, Inconclusive)
		}
		if !strings.Contains(v.Reason, tt.reason) {
			t.Errorf("%s: got reason %q, want it to contain %q", tt.name, v.Reason, tt.reason)
		}
	}
}

// TestJudgeQuantifiers runs sigchld-coalescing's checks over five trials:
// 3f's "zombies > 0 in any trial" and 3g's "zombies == 0 in every trial".
func TestJudgeQuantifiers(t *testing.T) {
	tests := []struct {
		name      string
		f, g      []int // zombies per trial of each arm; -1: no probe ran
		held      [2]bool
		undecided [2]bool
		want      Outcome
	}{
		// One trial of five with zombies is enough for any.
		{"any: one of five", []int{0, 0, 0, 0, 1}, []int{0, 0, 0, 0, 0}, [2]bool{true, true}, [2]bool{}, Reproduced},
		// None of five: any does not hold.
		{"any: none", []int{0, 0, 0, 0, 0}, []int{0, 0, 0, 0, 0}, [2]bool{false, true}, [2]bool{}, NotReproduced},
		// An undecided trial cannot undo a trial that held.
		{"any: held, one undecided", []int{2, -1, 0, 0, 0}, []int{0, 0, 0, 0, 0}, [2]bool{true, true}, [2]bool{}, Reproduced},
		// None held, one undecided: it might have held.
		{"any: none held, one undecided", []int{0, -1, 0, 0, 0}, []int{0, 0, 0, 0, 0}, [2]bool{false, true}, [2]bool{true, false}, Inconclusive},
		// Every: one trial with a zombie breaks it.
		{"every: one fails", []int{1, 1, 1, 1, 1}, []int{0, 0, 3, 0, 0}, [2]bool{true, false}, [2]bool{}, NotReproduced},
		// Every: the rest held, one undecided.
		{"every: one undecided", []int{1, 1, 1, 1, 1}, []int{0, 0, -1, 0, 0}, [2]bool{true, false}, [2]bool{false, true}, Inconclusive},
		// Every: a failure is decided whatever the undecided trial shows.
		{"every: one fails, one undecided", []int{1, 1, 1, 1, 1}, []int{0, 4, -1, 0, 0}, [2]bool{true, false}, [2]bool{}, NotReproduced},
	}
	e := mustLookup("sigchld-coalescing")
	e.Checks = []Check{e.Checks[0], e.Checks[2]} // the two zombie checks
	for _, tt := range tests {
		trials := coalescing(e, tt.f)
		for i, z := range tt.g {
			g := find(trials, "3g", i+1)
			if z < 0 {
				g.Steps = g.Steps[:1]
			} else {
				lastProbeOf(g).Probe = snapshot("forking", z, startTasks)
			}
		}
		results, v := Judge(e, trials)
		for i, r := range results {
			if r.Held != tt.held[i] || (r.Unavailable != "") != tt.undecided[i] {
				t.Errorf("%s: %s: got held %v, unavailable %q; want held %v, undecided %v",
					tt.name, r.Check, r.Held, r.Unavailable, tt.held[i], tt.undecided[i])
			}
		}
		if v.Outcome != tt.want {
			t.Errorf("%s: got %s (%s), want %s", tt.name, v.Outcome, v.Reason, tt.want)
		}
	}
}

func mustLookup(name string) Experiment {
	e, err := Lookup(name)
	if err != nil {
		panic(err)
	}
	return e
}

// TestJudgeFailureBeatsUndecided: a server that never died fails "running
// == 0", and its exit code cannot be decided; the failure is evidence
// enough, so the verdict is not reproduced, and the reason names both.
func TestJudgeFailureBeatsUndecided(t *testing.T) {
	e := mustLookup("eintr")
	trials := predicted["eintr"](e)
	find(trials, "3e", 1).Exit.Running = true
	_, v := Judge(e, trials)
	if v.Outcome != NotReproduced {
		t.Errorf("got %s (%s), want %s", v.Outcome, v.Reason, NotReproduced)
	}
	for _, want := range []string{"3e: running == 0 in every trial", "3e: exit_code == 1 in every trial: the specimen had not exited"} {
		if !strings.Contains(v.Reason, want) {
			t.Errorf("got reason %q, want it to name %q", v.Reason, want)
		}
	}
}

// TestJudgeMarginsAgree: over every case of TestJudge, each decided check's
// deciding margin is on the side its Held says, so that the margin column
// of a report can never contradict the verdict beside it.
func TestJudgeMarginsAgree(t *testing.T) {
	nonNegative := map[Op]bool{GE: true, LE: true, EQ: true}
	checked := map[bool]int{}
	for _, tt := range append(seedCases, modelCases...) {
		e := mustLookup(tt.exp)
		trials := predicted[tt.exp](e)
		if tt.change != nil {
			tt.change(trials)
		}
		results, _ := Judge(e, trials)
		for _, r := range results {
			if r.Unavailable != "" {
				continue
			}
			if r.Margin == nil {
				t.Errorf("%s: %s: decided, got no margin", tt.exp, r.Check)
				continue
			}
			m := *r.Margin
			if says := m > 0 || (m == 0 && nonNegative[r.Check.Op]); says != r.Held {
				t.Errorf("%s: %s: got margin %g, which says held %v; Judge says %v", tt.exp, r.Check, m, says, r.Held)
			}
			checked[r.Held]++
		}
	}
	if checked[true] == 0 || checked[false] == 0 {
		t.Errorf("got %d held and %d failed checks, want both compared", checked[true], checked[false])
	}
}

// On an emulated machine a timed check is shown and decides nothing; a
// check that counts still does. Natively, both decide.
func TestJudgeOnEmulated(t *testing.T) {
	e, err := Lookup("head-of-line")
	if err != nil {
		t.Fatal(err)
	}
	// 3c's clients end one after another, as under TCG's slow start: every
	// timing check of 3c fails, the counts hold.
	slow := []Trial{
		observe(e, "3b", 1).clients("5 clients at once", conns(client.Replied, sec(1), sec(2.01), sec(3), sec(4.02), sec(5))...).Trial,
		observe(e, "3c", 1).clients("5 clients at once", conns(client.Replied, sec(1), sec(2), sec(3), sec(4), sec(5))...).Trial,
	}
	if _, v := JudgeOn(e, slow, Environment{}); v.Outcome != NotReproduced {
		t.Fatalf("natively: %s, want not reproduced", v.Outcome)
	}
	results, v := JudgeOn(e, slow, Environment{Acceleration: AccelTCG})
	if v.Outcome != Reproduced || !strings.Contains(v.Reason, "not judged, on an emulated machine (tcg)") {
		t.Errorf("under TCG: %+v, want reproduced with the timed checks named", v)
	}
	timed, counted := 0, 0
	for _, r := range results {
		if r.Emulated != r.Check.Metric.Timed() {
			t.Errorf("%s: emulated %v, timed %v", r.Check, r.Emulated, r.Check.Metric.Timed())
		}
		if r.Emulated {
			timed++
		} else {
			counted++
		}
	}
	if timed == 0 || counted == 0 {
		t.Errorf("%d timed and %d counted checks: the test needs both", timed, counted)
	}
	// A count that fails under TCG still fails.
	lost := []Trial{slow[0], observe(e, "3c", 1).clients("5 clients at once", conns(client.TimedOut, sec(1), sec(1), sec(1), sec(1), sec(1))...).Trial}
	if _, v := JudgeOn(e, lost, Environment{Acceleration: AccelTCG}); v.Outcome != NotReproduced {
		t.Errorf("under TCG with 3c's clients timed out: %s, want not reproduced", v.Outcome)
	}
}
