package suite

import (
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/experiment"
)

func TestSelect(t *testing.T) {
	all := len(experiment.Suite())
	tests := []struct {
		name    string
		names   []string
		presets []string
		want    int // experiments; -1: an error
	}{
		// nothing named: the whole suite
		{"all", nil, nil, all},
		// two named
		{"named", []string{"zombies", "eintr"}, nil, 2},
		// an unknown name
		{"unknown", []string{"nope"}, nil, -1},
		// a preset keeps only the experiments with an arm for it: hello,
		// client-hang and fd-exhaustion have one for 3d
		{"preset", nil, []string{"webserver3d"}, 3},
		// a preset no named experiment has an arm for
		{"no arm", []string{"zombies"}, []string{"webserver1"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(tt.names, tt.presets)
			if (err != nil) != (tt.want < 0) || (err == nil && len(got) != tt.want) {
				t.Errorf("got %d experiments, %v; want %d", len(got), err, tt.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	rec := func(o experiment.Outcome, trialErr string) experiment.Record {
		r := experiment.Record{Verdict: experiment.Verdict{Outcome: o}, Trials: []experiment.Trial{{Arm: "a", Trial: 1, Error: trialErr}}}
		r.Experiment.Name = "x"
		return r
	}
	tests := []struct {
		name    string
		recs    []experiment.Record
		failed  []string
		strict  bool
		wantErr string // "" for success
	}{
		// everything reproduced
		{"reproduced", []experiment.Record{rec(experiment.Reproduced, "")}, nil, true, ""},
		// not reproduced is a finding, not a failure, without --strict
		{"lenient", []experiment.Record{rec(experiment.NotReproduced, "")}, nil, false, ""},
		// --strict turns it into a failure
		{"strict", []experiment.Record{rec(experiment.NotReproduced, "")}, nil, true, "--strict"},
		// inconclusive fails --strict too
		{"strict inconclusive", []experiment.Record{rec(experiment.Inconclusive, "")}, nil, true, "--strict"},
		// an experiment that could not run fails even without --strict
		{"could not run", nil, []string{"zombies: boom"}, false, "could not run"},
		// so does a trial that failed
		{"trial error", []experiment.Record{rec(experiment.Inconclusive, "no image")}, nil, false, "could not run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Status(tt.recs, tt.failed, tt.strict)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}
