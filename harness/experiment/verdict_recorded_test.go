package experiment

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readRecord loads testdata/<name>.json, a record of a real run.
func readRecord(t *testing.T, name string) Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
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
	}
	for _, tt := range tests {
		rec := readRecord(t, tt.name)
		if rec.Verdict.Outcome != Reproduced {
			t.Fatalf("%s: the stored verdict is %s; want a reproduced record to test with", tt.name, rec.Verdict.Outcome)
		}
		checks, v := Judge(rec.Experiment, rec.Trials)
		if v != rec.Verdict {
			t.Errorf("%s: got verdict %+v, want the stored %+v", tt.name, v, rec.Verdict)
		}
		if !reflect.DeepEqual(checks, rec.Checks) {
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
