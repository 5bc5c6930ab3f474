package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/internal/labtest"
	"github.com/serverlab/serverlab/harness/runner"
)

// runID labels a test's containers with the test binary's run ID, so that
// labtest's cleanup removes whatever a failed test left. The tests run one
// after another, so each can check that none of its own remain.
func runID(*testing.T) string { return labtest.RunID }

// strictSelection is what TestSuiteStrict runs: enough to prove the
// plumbing (a probe, the 100 ms sampler, a death read from the log and the
// exit, parallel trials, a Python specimen, an event loop's timing), small
// enough for go test's default timeout. The whole suite under --strict is
// `lab run --strict`, which .ci/run runs on its own.
var strictSelection = []string{"zombies", "fd-exhaustion", "eintr", "blocking-loop", "wsgi-apps"}

// TestSuiteStrict runs strictSelection with --strict, as CI does: a lesson
// that stops reproducing on this kernel fails the build.
func TestSuiteStrict(t *testing.T) {
	labtest.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	out := t.TempDir()
	var stdout bytes.Buffer
	args := append([]string{"run", "--strict", "--no-build", "--out", out, "--reference", "", "--run-id", runID(t)}, strictSelection...)
	err := run(ctx, args, &stdout)
	t.Logf("verdicts:\n%s", stdout.String())
	if err != nil {
		t.Fatalf("lab run --strict: %v", err)
	}
	for _, name := range strictSelection {
		e, err := experiment.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		var rec experiment.Record
		b, err := os.ReadFile(filepath.Join(out, e.Name+".json"))
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		if err := json.Unmarshal(b, &rec); err != nil || rec.Verdict.Outcome != experiment.Reproduced {
			t.Errorf("%s: verdict %q (%v), want reproduced", e.Name, rec.Verdict.Outcome, err)
		}
		for _, tr := range rec.Trials {
			// The trial's elapsed time is set after its teardown; it once
			// landed after the record was copied, and stayed 0.
			if tr.Elapsed <= 0 {
				t.Errorf("%s arm %s trial %d: elapsed %v, want it measured", e.Name, tr.Arm, tr.Trial, tr.Elapsed)
			}
			if tr.Overhead <= 0 || tr.Overhead >= tr.Elapsed {
				t.Errorf("%s arm %s trial %d: overhead %v of %v, want a part of it measured", e.Name, tr.Arm, tr.Trial, tr.Overhead, tr.Elapsed)
			}
			if len(tr.Samples) == 0 {
				t.Errorf("%s arm %s trial %d: no samples, want the sampler's", e.Name, tr.Arm, tr.Trial)
			}
		}
	}
	report, err := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if err != nil || !strings.Contains(string(report), "| **reproduced** |") {
		t.Errorf("REPORT.md missing or without verdicts: %v", err)
	}
	if ids, err := runner.List(ctx, runID(t)); err != nil || len(ids) > 0 {
		t.Errorf("containers left behind: %v (%v)", ids, err)
	}
}

// TestInterruptKeepsFinished stops a run as Ctrl-C would, once its first
// experiment has been written: that record must stay whole, the unfinished
// ones must not appear, and no labelled container may be left.
func TestInterruptKeepsFinished(t *testing.T) {
	labtest.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out := t.TempDir()
	first := filepath.Join(out, "zombies.json")
	go func() {
		for ctx.Err() == nil {
			if _, err := os.Stat(first); err == nil {
				time.Sleep(2 * time.Second) // into the next experiment's trials
				cancel()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	err := run(ctx, []string{"run", "--no-build", "--out", out, "--reference", "", "--run-id", runID(t),
		"zombies", "sigchld-coalescing"}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	// One line, naming what was cut short, and no engine's URL.
	if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, "http://") || strings.Contains(msg, "unix://") {
		t.Errorf("got %q, want one line without the engine's address", msg)
	}
	var rec experiment.Record
	if b, err := os.ReadFile(first); err != nil || json.Unmarshal(b, &rec) != nil || rec.Verdict.Outcome == "" {
		t.Errorf("the finished experiment's record is not whole: %v", err)
	}
	if report, err := os.ReadFile(filepath.Join(out, "REPORT.md")); err != nil || !strings.Contains(string(report), "## zombies") {
		t.Errorf("REPORT.md not redrawn from the finished experiment: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "sigchld-coalescing.json")); !os.IsNotExist(err) {
		t.Errorf("the interrupted experiment left a record: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(out, ".*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	if ids, err := runner.List(context.Background(), runID(t)); err != nil || len(ids) > 0 {
		t.Errorf("containers left behind: %v (%v)", ids, err)
	}
}
