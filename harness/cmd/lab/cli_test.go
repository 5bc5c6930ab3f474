package main

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/experiment"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantRest []string
		wantN    int
		wantErr  error
	}{
		// flags before the names
		{"flags first", []string{"--trials", "3", "zombies"}, []string{"zombies"}, 3, nil},
		// flags after the names, as README shows
		{"flags last", []string{"zombies", "eintr", "--trials", "3"}, []string{"zombies", "eintr"}, 3, nil},
		// flags between names
		{"flags between", []string{"zombies", "--trials", "2", "eintr"}, []string{"zombies", "eintr"}, 2, nil},
		// no arguments at all
		{"none", nil, nil, 0, nil},
		// an unknown flag is a usage error
		{"unknown flag", []string{"zombies", "--nope"}, nil, 0, errUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flags("test")
			fs.SetOutput(&strings.Builder{})
			n := fs.Int("trials", 0, "")
			rest, err := parse(fs, tt.args)
			if !errors.Is(err, tt.wantErr) || (err == nil && (!reflect.DeepEqual(rest, tt.wantRest) || *n != tt.wantN)) {
				t.Errorf("got %q, trials %d, %v; want %q, %d, %v", rest, *n, err, tt.wantRest, tt.wantN, tt.wantErr)
			}
		})
	}
}

func TestSelectExperiments(t *testing.T) {
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
			got, err := selectExperiments(tt.names, tt.presets)
			if (err != nil) != (tt.want < 0) || (err == nil && len(got) != tt.want) {
				t.Errorf("got %d experiments, %v; want %d", len(got), err, tt.want)
			}
		})
	}
}

func TestExitStatus(t *testing.T) {
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
			err := exitStatus(tt.recs, tt.failed, tt.strict)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

// TestRunExits: what `lab` returns for help and for command lines that are
// wrong, before anything needs Docker.
func TestRunExits(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want error // nil: success; errHelp: help printed (exit 0)
		has  string
	}{
		// help, in every spelling, is not a failure
		{"lab -h", []string{"-h"}, errHelp, ""},
		{"lab help", []string{"help"}, errHelp, ""},
		{"lab --help", []string{"--help"}, errHelp, ""},
		// a command's own help
		{"lab client --help", []string{"client", "--help"}, errHelp, ""},
		{"lab run -h", []string{"run", "-h"}, errHelp, ""},
		// nothing at all is a usage error
		{"lab", nil, errUsage, ""},
		// an unknown command
		{"lab nope", []string{"nope"}, errUsage, ""},
		// negative counts are errors, not the defaults
		{"negative trials", []string{"run", "--trials", "-1", "--no-build"}, nil, "--trials -1"},
		// a report with nothing to draw from
		{"report of nothing", []string{"report", "--dir", t.TempDir(), "--reference", ""}, nil, "nothing to draw"},
		// ps needs exactly one service
		{"ps without a target", []string{"ps"}, errUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), tt.args, &out)
			switch {
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("got %v, want %v", err, tt.want)
			case tt.has != "" && (err == nil || !strings.Contains(err.Error(), tt.has)):
				t.Errorf("got %v, want an error saying %q", err, tt.has)
			}
		})
	}
}

// TestRunExperimentsFromEnv: compose's lab service names its selection in
// LAB_EXPERIMENTS; a name there is looked up like one on the command line.
func TestRunExperimentsFromEnv(t *testing.T) {
	t.Setenv(EnvExperiments, "zombies nope")
	err := run(context.Background(), []string{"run", "--no-build"}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), `no experiment "nope"`) {
		t.Errorf("got %v, want the unknown name from %s refused", err, EnvExperiments)
	}
}

// TestRunRefusesUnreachableDockerHost: an explicit DOCKER_HOST that does
// not answer is one line naming it, not a silent fall back to the local
// engine.
func TestRunRefusesUnreachableDockerHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := "tcp://" + ln.Addr().String()
	ln.Close() // nobody listens there now
	t.Setenv("DOCKER_HOST", host)
	err = run(context.Background(), []string{"run", "--no-build", "zombies"}, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "DOCKER_HOST="+host) || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v, want one line naming DOCKER_HOST=%s", err, host)
	}
}
