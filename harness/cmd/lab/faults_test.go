package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/internal/labtest"
	"github.com/serverlab/serverlab/harness/runner"
)

// labBinary builds the lab's binary for the tests that run it as a user
// does, in a process of its own that a signal can reach.
func labBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// leftovers lists what a run left in out and on the engine: its labelled
// containers, and temporary or unreadable files among the records.
func leftovers(t *testing.T, runID, out string) []string {
	t.Helper()
	var found []string
	ids, err := runner.List(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		found = append(found, "container "+id[:12])
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "."):
			found = append(found, "temporary file "+name)
		case strings.HasSuffix(name, ".json"):
			b, err := os.ReadFile(filepath.Join(out, name))
			var rec experiment.Record
			if err != nil || json.Unmarshal(b, &rec) != nil || rec.Verdict.Outcome == "" {
				found = append(found, "half-written record "+name)
			}
		}
	}
	return found
}

// TestInterruptAtAnyMoment interrupts 20 runs of the lab with SIGINT or
// SIGTERM at random moments, from its start to past its end, and checks
// that none crashed and counts what each left: no labelled container, no
// temporary file, no record cut short. Half the moments fall in the first
// second, while the lab meets the engine and creates the containers: an
// interrupt there once crashed it (testcontainers panics when its first
// question to the engine fails) and once left a container behind. The
// harness creates no networks (the agent's is "none"), so there are none
// to count.
func TestInterruptAtAnyMoment(t *testing.T) {
	labtest.Docker(t)
	bin := labBinary(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < 20; i++ {
		sig := []os.Signal{syscall.SIGINT, syscall.SIGTERM}[i%2]
		window := []time.Duration{time.Second, 7 * time.Second}[i/2%2]
		after := time.Duration(rng.Int64N(int64(window)))
		runID := fmt.Sprintf("%s-i%d", labtest.RunID, i)
		out := t.TempDir()
		cmd := exec.Command(bin, "run", "--no-build", "--out", out, "--reference", "", "--run-id", runID, "zombies")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		select {
		case err = <-exited: // it finished first: nothing to interrupt
		case <-time.After(after):
			_ = cmd.Process.Signal(sig)
			select {
			case err = <-exited:
			case <-time.After(90 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("run %d: still running 90 s after %v", i, sig)
			}
		}
		t.Logf("run %d: %v after %v: %v", i, sig, after.Round(time.Millisecond), err)
		if strings.Contains(stderr.String(), "panic:") {
			t.Errorf("run %d, %v after %v: the lab crashed\n%s", i, sig, after.Round(time.Millisecond), stderr.String())
		}
		if left := leftovers(t, runID, out); len(left) > 0 {
			t.Errorf("run %d, %v after %v: left %v\n%s", i, sig, after.Round(time.Millisecond), left, stderr.String())
			_, _ = runner.Cleanup(context.Background(), runID)
		}
	}
}

// TestKillThenCleanup kills a run with SIGKILL, which no program can
// catch, while its containers run: they stay, and `lab cleanup` removes
// them.
func TestKillThenCleanup(t *testing.T) {
	labtest.Docker(t)
	bin := labBinary(t)
	runID := labtest.RunID + "-k9"
	cmd := exec.Command(bin, "run", "--no-build", "--out", t.TempDir(), "--reference", "", "--run-id", runID, "sigchld-coalescing")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ids, err := runner.List(context.Background(), runID)
		if err == nil && len(ids) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no containers of the run after 60 s (%v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if ids, _ := runner.List(context.Background(), runID); len(ids) == 0 {
		t.Fatal("SIGKILL left no container: nothing for cleanup to do, the test proves nothing")
	}
	var stdout strings.Builder
	if err := run(context.Background(), []string{"cleanup", "--run", runID}, &stdout); err != nil {
		t.Fatalf("lab cleanup: %v", err)
	}
	if ids, err := runner.List(context.Background(), runID); err != nil || len(ids) > 0 {
		t.Errorf("after lab cleanup: %v (%v), want none", ids, err)
	}
}

// TestResumeKeepsCompleteRecords: with --resume, an experiment whose
// complete record is in --out is not run again.
func TestResumeKeepsCompleteRecords(t *testing.T) {
	labtest.Docker(t)
	out := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "results", "reference", "zombies.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "zombies.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(filepath.Join(out, "zombies.json"))
	start := time.Now()
	var stdout strings.Builder
	err = run(context.Background(), []string{"run", "--no-build", "--resume", "--out", out, "--reference", "", "--run-id", labtest.RunID, "zombies"}, &stdout)
	if err != nil {
		t.Fatalf("lab run --resume: %v", err)
	}
	after, _ := os.Stat(filepath.Join(out, "zombies.json"))
	if !after.ModTime().Equal(before.ModTime()) || time.Since(start) > 10*time.Second {
		t.Errorf("zombies ran again (%v), want its record kept", time.Since(start))
	}
	if !strings.Contains(stdout.String(), "zombies") {
		t.Errorf("the kept verdict is not printed:\n%s", stdout.String())
	}
}
