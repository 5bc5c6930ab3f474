package experiment

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
)

// recordedDir is the committed reference run: one real run of the whole
// suite with the specimens as they are, made again whenever they change
// (TestReferenceIsOneRun, in package report, holds it to one commit).
var recordedDir = filepath.Join("..", "..", "results", "reference")

// readRecord loads the reference run's record of the experiment called
// name.
func readRecord(t *testing.T, name string) Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(recordedDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return rec
}

// TestJudgeRecorded judges real runs again: the stored verdict and checks
// come back, and one changed observation flips the verdict.
func TestJudgeRecorded(t *testing.T) {
	tests := []struct {
		name   string
		breaks string // what change does to the observations
		change func(rec *Record)
		fail   string // the check that no longer holds
	}{
		// 3b's clients all end with the first: no staircase.
		{"head-of-line", "3b flat", func(rec *Record) {
			tr := recordedTrial(t, rec, "3b")
			first := tr.Steps[0].Clients[0].Done
			for i := range tr.Steps[0].Clients {
				tr.Steps[0].Clients[i].Done = first
			}
		}, "3b: staircase(1s) <= 0.25 in every trial"},
		// A reaper took 3c's zombies before the last probe.
		{"zombies", "3c reaped", func(rec *Record) {
			tr := recordedTrial(t, rec, "3c")
			p := tr.Steps[len(tr.Steps)-1].Probe
			for i := range p.Processes {
				if p.Processes[i].State == "Z" {
					p.Processes[i].State = "S"
				}
			}
		}, "3c: zombies == 20 in every trial"},
		// 3e's server logs a line of its own after EINTR.
		{"eintr", "3e logs after EINTR", func(rec *Record) {
			tr := recordedTrial(t, rec, "3e")
			tr.Logs = append(tr.Logs, "accept fd=4")
		}, "3e: last_log_contains(accept: EINTR) == 1 in every trial"},
		// webserver1's seed reply gains a header the article never sent.
		{"hello", "webserver1 seed with a header", func(rec *Record) {
			tr := recordedTrial(t, rec, "webserver1/seed")
			tr.Steps[0].Clients[0].Reply = "HTTP/1.1 200 OK\nServer: x\n\nHello, World!\n"
		}, "webserver1/seed: conformance_failures == 0 in every trial"},
		// A dropped SYN's retry gets in after 1.5 s with backlog 5.
		{"backlog", "a retried SYN connects", func(rec *Record) {
			tr := recordedTrial(t, rec, "backlog-5")
			for i, c := range tr.Steps[0].Clients {
				if c.Connect == 0 {
					tr.Steps[0].Clients[i].Connect = 1500 * time.Millisecond
					break
				}
			}
		}, "backlog-5: unconnected == 6 in every trial"},
		// 3d's parent is seen without the client's socket during the hang.
		{"client-hang", "3d's socket gone", func(rec *Record) {
			tr := recordedTrial(t, rec, "3d")
			for _, s := range tr.Steps {
				if s.Probe != nil {
					for i := range s.Probe.Processes {
						s.Probe.Processes[i].Sockets = nil
					}
				}
			}
		}, "3d: holds_client_socket(during the hang) == 1 in every trial"},
		// 3c's descriptors climb in one sample.
		{"fd-exhaustion", "3c climbs", func(rec *Record) {
			tr := recordedTrial(t, rec, "3c")
			tr.Samples[len(tr.Samples)/2].FDs = 100
		}, "3c: fds_growth <= 2 in every trial"},
		// The nproc arm forked twice more than nproc allows.
		{"process-limit", "nproc arm past its limit", func(rec *Record) {
			tr := recordedTrial(t, rec, "nproc-400")
			last := tr.Logs[len(tr.Logs)-1]
			tr.Logs = append(tr.Logs[:len(tr.Logs)-1], "fork child=9001", "fork child=9002", last)
		}, "nproc-400: process_limit_margin(nproc) <= 0 in every trial"},
		// 3g leaves a zombie in one trial.
		{"sigchld-coalescing", "3g misses one", func(rec *Record) {
			tr := recordedTrial(t, rec, "3g")
			p := tr.Steps[len(tr.Steps)-1].Probe
			for i := range p.Processes {
				if p.Processes[i].PPID != 0 && p.Processes[i].PPID != 1 {
					p.Processes[i].State = "Z"
					break
				}
			}
			if len(p.Zombies(0)) == 0 {
				srv, _ := p.Server(tr.Comm)
				p.Processes = append(p.Processes, agent.Process{PID: 99999, PPID: srv.PID, Comm: tr.Comm, State: "Z", FDs: -1})
				tr.Logs = append(tr.Logs[:len(tr.Logs):len(tr.Logs)], "fork child=99999")
			}
		}, "3g: zombies == 0 in every trial"},
	}
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[tt.name] = true
		rec := readRecord(t, tt.name)
		if rec.Verdict.Outcome != Reproduced {
			t.Fatalf("%s: the stored verdict is %s; want a reproduced record to test with", tt.name, rec.Verdict.Outcome)
		}
		checks, v := Judge(rec.Experiment, rec.Trials)
		if v != rec.Verdict {
			t.Errorf("%s: got verdict %+v, want the stored %+v", tt.name, v, rec.Verdict)
		}
		if !sameJSON(checks, rec.Checks) {
			t.Errorf("%s: got checks %+v, want the stored %+v", tt.name, checks, rec.Checks)
		}
		// Today's thresholds must hold on the same real observations.
		if _, v := Judge(mustLookup(tt.name), rec.Trials); v.Outcome != Reproduced {
			t.Errorf("%s: today's definition judges the recorded trials %s (%s), want %s", tt.name, v.Outcome, v.Reason, Reproduced)
		}

		tt.change(&rec)
		checks, v = Judge(rec.Experiment, rec.Trials)
		if v.Outcome != NotReproduced || !strings.Contains(v.Reason, tt.fail) {
			t.Errorf("%s, %s: got %s (%s), want %s naming %q", tt.name, tt.breaks, v.Outcome, v.Reason, NotReproduced, tt.fail)
		}
		for _, c := range checks {
			if held := c.Check.String() != tt.fail; c.Held != held {
				t.Errorf("%s, %s: %s: got held %v, want %v", tt.name, tt.breaks, c.Check, c.Held, held)
			}
		}
	}
}

// recordedTrial is the first trial of arm in rec.
func recordedTrial(t *testing.T, rec *Record, arm string) *Trial {
	t.Helper()
	for i := range rec.Trials {
		if rec.Trials[i].Arm == arm {
			return &rec.Trials[i]
		}
	}
	t.Fatalf("%s: no trial of arm %s", rec.Experiment.Name, arm)
	return nil
}

// TestRecordedFixturesCoverTheSeed: every seed experiment has a recorded
// run in the reference, judged again above.
func TestRecordedFixturesCoverTheSeed(t *testing.T) {
	for _, e := range Seed() {
		if _, err := os.Stat(filepath.Join(recordedDir, e.Name+".json")); err != nil {
			t.Errorf("%s: no recorded run in the reference (%v)", e.Name, err)
		}
	}
}
