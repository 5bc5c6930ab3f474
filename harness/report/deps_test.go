package report

import (
	"os/exec"
	"strings"
	"testing"
)

// TestJudgingImportsNoEngine: the packages that judge and draw records
// (experiment, report) import no Docker client, directly or not: a record
// is plain data, and a report is a function of records alone.
func TestJudgingImportsNoEngine(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command(gobin, "list", "-deps", "../experiment", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("got %d dependencies, want the packages' whole list", len(deps))
	}
	for _, d := range deps {
		for _, engine := range []string{"github.com/moby/", "github.com/docker/", "github.com/testcontainers/", "github.com/containerd/", "/harness/runner", "/harness/trial"} {
			if strings.Contains(d, engine) {
				t.Errorf("experiment or report depends on %s", d)
			}
		}
	}
}
