package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
)

// recorded is a record of a real run, from the experiment package's
// fixtures, made in the environment env says.
func recorded(t *testing.T, name string, env func(*experiment.Environment)) experiment.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "results", "reference", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r experiment.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	env(&r.Environment)
	return r
}

// TestReportMerge merges the records of two runs made on different
// machines, as the CI matrix's final job does: each machine's verdicts side
// by side, its own figures under its own heading, nothing averaged.
func TestReportMerge(t *testing.T) {
	amd := func(e *experiment.Environment) {
		e.Engine.Arch, e.Engine.CgroupVersion, e.Engine.Kernel = "x86_64", "1", "6.18.44"
	}
	arm := func(e *experiment.Environment) {
		e.Engine.Arch, e.Engine.CgroupVersion, e.Engine.Kernel = "aarch64", "2", "6.8.0-azure"
	}
	cellA, cellB, out := t.TempDir(), t.TempDir(), t.TempDir()
	a := recorded(t, "zombies", amd)
	b := recorded(t, "zombies", arm)
	// On the second machine 3g left 3 zombies: not reproduced there.
	b.Checks[4].Values[0].Value, b.Checks[4].Held = 3, false
	b.Verdict = experiment.Verdict{Outcome: experiment.NotReproduced, Reason: "3g: zombies == 0 in every trial (got 3)"}
	for dir, rec := range map[string]experiment.Record{cellA: a, cellB: b} {
		if _, err := report.Write(dir, rec); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := report.Write(cellA, recorded(t, "eintr", amd)); err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	err := run(context.Background(), []string{"report", "--merge", "--dir", out, cellA, cellB}, &stdout)
	if err != nil {
		t.Fatalf("lab report --merge: %v", err)
	}
	md, err := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| experiment | E1 (x86_64, cgroup v1) | E2 (aarch64, cgroup v2) |",
		"| zombies | reproduced | not reproduced |",
		"| eintr | reproduced | (not run) |",
		"# E1: x86_64, kernel 6.18.44, cgroup v1",
		"# E2: aarch64, kernel 6.8.0-azure, cgroup v2",
		"Why not reproduced: 3g: zombies == 0 in every trial (got 3)",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("merged REPORT.md has no %q", want)
		}
	}
	// Each machine keeps its own figures: the zombies check appears once
	// per environment with that environment's value, never a mean.
	if got := strings.Count(string(md), "| `3g: zombies == 0 in every trial` | 0 |"); got != 1 {
		t.Errorf("E1's 3g zombies row: %d, want 1", got)
	}
	if got := strings.Count(string(md), "| `3g: zombies == 0 in every trial` | 3 |"); got != 1 {
		t.Errorf("E2's 3g zombies row: %d, want 1", got)
	}
	if strings.Contains(string(md), "| `3g: zombies == 0 in every trial` | 1.5 |") {
		t.Error("a value averaged across machines")
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil || !strings.Contains(string(page), "E2: aarch64, cgroup v2") {
		t.Errorf("merged index.html without the environments' columns (%v)", err)
	}
	// --strict fails: one machine did not reproduce.
	err = run(context.Background(), []string{"report", "--merge", "--strict", "--dir", out, cellA, cellB}, &stdout)
	if err == nil || !strings.Contains(err.Error(), "--strict") {
		t.Errorf("--strict over a not-reproduced record: got %v, want an error", err)
	}
}
