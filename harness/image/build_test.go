package image

import (
	"errors"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/catalogue"
)

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
