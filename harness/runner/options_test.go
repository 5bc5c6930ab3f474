package runner

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

func TestNewOptions(t *testing.T) {
	small := catalogue.DefaultLimits()
	small.NoFile = 64
	tests := []struct {
		name string
		opts []Option
		want Options
	}{
		// no option: an ad hoc run with the default start timeout
		{"defaults", nil, Options{RunID: "adhoc", StartTimeout: DefaultStartTimeout}},
		// every option once
		{"all", []Option{WithRunID("r1"), WithLimits(small), WithArgs("--backlog", "0"), WithStartTimeout(time.Second)},
			Options{RunID: "r1", Limits: &small, Args: []string{"--backlog", "0"}, StartTimeout: time.Second}},
		// WithArgs() with nothing still replaces the preset's arguments
		{"empty args", []Option{WithArgs()}, Options{RunID: "adhoc", Args: []string{}, StartTimeout: DefaultStartTimeout}},
		// the last of two options wins
		{"last wins", []Option{WithRunID("a"), WithRunID("b")}, Options{RunID: "b", StartTimeout: DefaultStartTimeout}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newOptions(tt.opts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestWithArgsCopies: the caller's slice stays the caller's.
func TestWithArgsCopies(t *testing.T) {
	args := []string{"--backlog", "5"}
	o := newOptions([]Option{WithArgs(args...)})
	args[1] = "9"
	if got := o.Args[1]; got != "5" {
		t.Errorf("got %q after the caller changed its slice, want %q", got, "5")
	}
}

func TestBuilderFromEnv(t *testing.T) {
	t.Setenv("LAB_BUILDER", "")
	if got := BuilderFromEnv(); got != catalogue.DefaultBuilder {
		t.Errorf("unset: got %q, want %q", got, catalogue.DefaultBuilder)
	}
	t.Setenv("LAB_BUILDER", "serverlab/builder:offline")
	if got := BuilderFromEnv(); got != "serverlab/builder:offline" {
		t.Errorf("set: got %q, want serverlab/builder:offline", got)
	}
}

func TestExplainBuild(t *testing.T) {
	o := BuildOptions{Builder: "golang:1.26-bookworm", Python: "python:3.11-slim", Targets: []string{"epoll"}}
	tests := []struct {
		name, err, want string
	}{
		// offline: the base image cannot be pulled; the fix names the script and the variables
		{"offline", "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host",
			"scripts/offline-builder.sh and set LAB_BUILDER=serverlab/builder:offline"},
		// a failed step: where to see its output
		{"step", "The command '/bin/sh -c make -C servers/c' returned a non-zero code: 2\nmore", "lab build epoll shows its output"},
		// anything else is left as it is
		{"other", "no space left on device", "no space left on device"},
	}
	for _, tt := range tests {
		got := explainBuild(errors.New(tt.err), o).Error()
		if !strings.Contains(got, tt.want) || strings.Contains(got, "\n") {
			t.Errorf("%s: got %q, want one line with %q", tt.name, got, tt.want)
		}
	}
}
