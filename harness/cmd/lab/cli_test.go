package main

import (
	"context"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
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
		// --repeat counts runs from 1
		{"zero repeats", []string{"run", "--repeat", "0", "--no-build"}, nil, "--repeat 0"},
		// a repeat never mixes its runs with an earlier repeat's
		{"repeat over runs", []string{"run", "--repeat", "2", "--no-build", "--out", withRuns(t), "zombies"}, nil, "already holds 1 runs"},
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

// withRuns is a folder with one run of a repeat in it.
func withRuns(t *testing.T) string {
	out := t.TempDir()
	if _, err := report.Write(report.RunDir(out, 1), recorded(t, "zombies", func(*experiment.Environment) {})); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPrintVerdicts(t *testing.T) {
	rec := func(name string, o experiment.Outcome, trials ...experiment.Trial) experiment.Record {
		r := experiment.Record{Verdict: experiment.Verdict{Outcome: o}, Trials: trials,
			Started: time.Date(2026, 11, 26, 2, 41, 0, 0, time.UTC)}
		r.Experiment.Name = name
		for _, tr := range trials {
			r.Finished = r.Started.Add(tr.Elapsed + time.Second)
		}
		return r
	}
	timed := func(elapsed, overhead time.Duration) experiment.Trial {
		return experiment.Trial{Elapsed: elapsed, Overhead: overhead}
	}
	s := time.Second
	tests := []struct {
		name string
		recs []experiment.Record
		want []string // lines, spaces squeezed
	}{
		// TOOK shared between set-up and measuring as the trials spent it
		// (zombies' two trials, 5 s in all, ran in 4 s: in parallel),
		// rounded to 0.1 s, and a total.
		{"timed", []experiment.Record{
			rec("zombies", experiment.Reproduced, timed(2*s, 520*time.Millisecond), timed(3*s, 480*time.Millisecond)),
			rec("eintr", experiment.NotReproduced, timed(4*s, 1260*time.Millisecond)),
		}, []string{
			"EXPERIMENT VERDICT TRIALS TOOK SET-UP MEASURING REASON",
			"zombies reproduced 2 4s 800ms 3.2s",
			"eintr not reproduced 1 5s 1.6s 3.4s",
			"TOTAL 3 9s 2.4s 6.6s",
		}},
		// A record made before overhead was recorded says nothing, and
		// counts in no total.
		{"untimed", []experiment.Record{
			rec("zombies", experiment.Reproduced, timed(2*s, 0)),
			rec("eintr", experiment.Reproduced, timed(4*s, 1500*time.Millisecond)),
		}, []string{
			"zombies reproduced 1 3s - -",
			"eintr reproduced 1 5s 1.9s 3.1s",
			"TOTAL 2 8s 1.9s 3.1s",
		}},
		// Nothing timed at all: dashes in the total too.
		{"none timed", []experiment.Record{rec("zombies", experiment.Reproduced, timed(2*s, 0))}, []string{
			"TOTAL 1 3s - -",
		}},
	}
	for _, tt := range tests {
		var b strings.Builder
		printVerdicts(&b, tt.recs)
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			got = append(got, strings.Join(strings.Fields(line), " "))
		}
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: got no line %q in\n%s", tt.name, w, b.String())
			}
		}
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
