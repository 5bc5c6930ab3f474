package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
	"github.com/serverlab/serverlab/harness/suite"
	"github.com/serverlab/serverlab/harness/trial"
)

// fakeSuite stands in for trial.Run without Docker: each experiment's
// record is the recorded run in the experiment package's fixtures, each
// trial 2 s long of which 0.5 s set up. breaks changes the record of an
// experiment in a given run (counting calls per experiment).
type fakeSuite struct {
	t      *testing.T
	calls  map[string]int
	breaks func(run int, rec *experiment.Record)
	// stop, when it says so, cancels the run as the experiment is under
	// way, as Ctrl-C does.
	stop   func(run int, name string) bool
	cancel context.CancelFunc
}

func (f *fakeSuite) run(_ context.Context, e experiment.Experiment, _ experiment.Environment, _ trial.Options) (experiment.Record, error) {
	f.calls[e.Name]++
	n := f.calls[e.Name]
	rec := recorded(f.t, e.Name, func(*experiment.Environment) {})
	if f.stop != nil && f.stop(n, e.Name) {
		f.cancel()
		return rec, context.Canceled
	}
	for i := range rec.Trials {
		rec.Trials[i].Elapsed, rec.Trials[i].Overhead = 2*time.Second, 500*time.Millisecond
	}
	if f.breaks != nil {
		f.breaks(n, &rec)
	}
	return rec, nil
}

func newFake(t *testing.T) (*fakeSuite, suite.Pass) {
	f := &fakeSuite{t: t, calls: map[string]int{}}
	var exps []experiment.Experiment
	for _, name := range []string{"zombies", "eintr"} {
		e, err := experiment.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		exps = append(exps, e)
	}
	return f, suite.Pass{Experiments: exps, Trial: f.run}
}

// notReproduced: 3g left 3 zombies.
func notReproduced(rec *experiment.Record) {
	rec.Checks[4].Values[0].Value, rec.Checks[4].Held = 3, false
	rec.Verdict = experiment.Verdict{Outcome: experiment.NotReproduced, Reason: "3g: zombies == 0 in every trial (got 3)"}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRepeat runs two experiments three times, zombies failing in the
// second run: each run an ordinary records folder, how they agree drawn
// beside them, and --strict failing on the one run that did not reproduce.
func TestRepeat(t *testing.T) {
	for _, strict := range []bool{false, true} {
		out := t.TempDir()
		f, p := newFake(t)
		f.breaks = func(run int, rec *experiment.Record) {
			if run == 2 && rec.Experiment.Name == "zombies" {
				notReproduced(rec)
			}
		}
		var stdout strings.Builder
		err := runRepeat(context.Background(), p, out, 3, strict, &stdout)
		if strict {
			if err == nil || !strings.Contains(err.Error(), "--strict: zombies reproduced in 2 of 3 runs") {
				t.Errorf("--strict: got %v, want zombies named as reproduced in 2 of 3 runs", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("runRepeat: %v", err)
		}
		for k := 1; k <= 3; k++ {
			for _, name := range []string{"zombies.json", "eintr.json", "REPORT.md", "index.html"} {
				if _, err := os.Stat(filepath.Join(report.RunDir(out, k), name)); err != nil {
					t.Errorf("run %d: %v", k, err)
				}
			}
		}
		if md := readFile(t, filepath.Join(report.RunDir(out, 2), "REPORT.md")); !strings.Contains(md, "| [zombies](#") || !strings.Contains(md, "**not reproduced**") {
			t.Errorf("run 2's REPORT.md: got no zombies not reproduced")
		}
		var s experiment.StabilityTable
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, report.StabilityJSON))), &s); err != nil {
			t.Fatal(err)
		}
		if s.Runs != 3 || len(s.Experiments) != 2 || s.Experiments[0].Reproduced != 2 || s.Experiments[1].Reproduced != 3 {
			t.Errorf("stability.json: got %+v, want zombies reproduced in 2 of 3 runs, eintr in 3", s)
		}
		stability := readFile(t, filepath.Join(out, report.StabilityMD))
		top := readFile(t, filepath.Join(out, "REPORT.md"))
		for _, want := range []string{
			"| zombies | **2/3** | `3c: outcome(replied) == 20 in every trial` | 3/3 | 0 (exact) | 0 (exact) |\n",
			"|  |  | `3g: zombies == 0 in every trial` | **2/3** | −3 | 0 (exact) |\n",
			"| eintr | 3/3 | `3e: running == 0 in every trial` | 3/3 | 0 (exact) | 0 (exact) |\n",
		} {
			if !strings.Contains(stability, want) {
				t.Errorf("STABILITY.md: got no %q in\n%s", want, stability)
			}
			if !strings.Contains(top, want) {
				t.Errorf("REPORT.md: got no %q in its Stability section", want)
			}
		}
		for _, want := range []string{"## Stability\n", "of the last of 3 runs, in runs/3/;"} {
			if !strings.Contains(top, want) {
				t.Errorf("REPORT.md: got no %q", want)
			}
		}
		for _, want := range []string{
			"RUN  EXPERIMENTS  REPRODUCED  NOT REPRODUCED  INCONCLUSIVE  TOOK  SET-UP  MEASURING\n",
			"2    2            1           1               0             ",
			"zombies     2/3         5/6                       3g: zombies == 0 in every trial (2/3)\n",
		} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("stdout: got no %q in\n%s", want, stdout.String())
			}
		}
		if f.calls["zombies"] != 3 || f.calls["eintr"] != 3 {
			t.Errorf("got %v runs of each experiment, want 3", f.calls)
		}

		// lab report draws it all again from the records alone.
		for _, name := range []string{report.StabilityMD, report.StabilityJSON, "REPORT.md", "index.html"} {
			if err := os.Remove(filepath.Join(out, name)); err != nil {
				t.Fatal(err)
			}
		}
		var said strings.Builder
		if err := run(context.Background(), []string{"report", "--dir", out, "--reference", ""}, &said); err != nil {
			t.Fatalf("lab report: %v", err)
		}
		if got := readFile(t, filepath.Join(out, report.StabilityMD)); got != stability {
			t.Errorf("lab report: got STABILITY.md\n%s\nwant the one lab run drew\n%s", got, stability)
		}
		if got := readFile(t, filepath.Join(out, "REPORT.md")); got != top {
			t.Errorf("lab report: got a REPORT.md other than the one lab run drew")
		}
		if !strings.Contains(said.String(), report.StabilityMD) {
			t.Errorf("lab report: got %q, want it to say it wrote %s", said.String(), report.StabilityMD)
		}
		// --strict over the runs: one was not reproduced.
		if err := run(context.Background(), []string{"report", "--strict", "--dir", out, "--reference", ""}, &said); err == nil {
			t.Errorf("lab report --strict: got no error, want one for run 2's zombies")
		}
	}
}

// TestRepeatInterrupt: Ctrl-C during run 2 stops after the experiment
// under way, keeps run 1 and what run 2 finished, and draws them; --resume
// then finishes what is missing, and only that.
func TestRepeatInterrupt(t *testing.T) {
	out := t.TempDir()
	f, p := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.stop = func(run int, name string) bool { return run == 2 && name == "eintr" }
	err := runRepeat(ctx, p, out, 3, true, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "run 2 of 3: interrupted during eintr: the 1 finished experiments are in "+report.RunDir(out, 2)) {
		t.Fatalf("got %v, want run 2 named as interrupted during eintr", err)
	}
	runs, _, err := report.ReadRuns(out)
	if err != nil || len(runs) != 2 || len(runs[0]) != 2 || len(runs[1]) != 1 {
		t.Fatalf("got runs %v (%v), want run 1 whole and run 2's zombies", runs, err)
	}
	if s := readFile(t, filepath.Join(out, report.StabilityMD)); !strings.Contains(s, "from the records of 2 runs") ||
		!strings.Contains(s, "| eintr | **1/2 (1 without a record)** |") {
		t.Errorf("STABILITY.md: got\n%s\nwant the 2 runs begun, eintr missing from the second", s)
	}
	// A repeat into a folder with runs refuses, unless resuming.
	if err := suite.CheckRepeatOut(out, 3, false); err == nil || !strings.Contains(err.Error(), "already holds 2 runs") {
		t.Errorf("repeat over runs: got %v, want a refusal", err)
	}
	if err := suite.CheckRepeatOut(out, 1, true); err == nil {
		t.Errorf("resume 2 runs as --repeat 1: got no error, want one")
	}
	if err := suite.CheckRepeatOut(out, 3, true); err != nil {
		t.Fatalf("resume: %v", err)
	}
	f.stop, p.Resume = nil, true
	if err := runRepeat(context.Background(), p, out, 3, true, io.Discard); err != nil {
		t.Fatalf("resume: %v", err)
	}
	// Run 1's two and run 2's zombies were kept; the other three ran now,
	// eintr of run 2 again since its interrupted run left no record.
	if f.calls["zombies"] != 3 || f.calls["eintr"] != 4 {
		t.Errorf("got calls %v, want zombies 3 (2 before, 1 resumed) and eintr 4 (1, 1 interrupted, 2 resumed)", f.calls)
	}
	var s experiment.StabilityTable
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, report.StabilityJSON))), &s); err != nil {
		t.Fatal(err)
	}
	if s.Runs != 3 || s.Experiments[0].Reproduced != 3 || s.Experiments[1].Reproduced != 3 {
		t.Errorf("after resuming: got %+v, want both reproduced in 3 of 3 runs", s)
	}
}

// TestRepeatOwnRecords: a folder with records of its own and runs keeps
// its report of its records, and draws the runs' stability beside them.
func TestRepeatOwnRecords(t *testing.T) {
	out := t.TempDir()
	if _, err := report.Write(out, recorded(t, "eintr", func(*experiment.Environment) {})); err != nil {
		t.Fatal(err)
	}
	_, p := newFake(t)
	if err := runRepeat(context.Background(), p, out, 2, false, io.Discard); err != nil {
		t.Fatal(err)
	}
	top := readFile(t, filepath.Join(out, "REPORT.md"))
	if !strings.Contains(top, "from the 1 JSON records beside this file") || strings.Contains(top, "## Stability") {
		t.Errorf("REPORT.md: got no report of the folder's own record, want it")
	}
	if _, err := os.Stat(filepath.Join(out, report.StabilityMD)); err != nil {
		t.Errorf("STABILITY.md: %v", err)
	}
}

// stabilityOf is the stability of runs of the fixtures' zombies and eintr
// made beside neighbour, zombies failing in the second run.
func stabilityOf(t *testing.T, runs int, neighbour string) experiment.StabilityTable {
	var rs [][]experiment.Record
	for k := 1; k <= runs; k++ {
		env := func(e *experiment.Environment) { e.Neighbour = neighbour }
		z := recorded(t, "zombies", env)
		if k == 2 {
			notReproduced(&z)
		}
		rs = append(rs, []experiment.Record{z, recorded(t, "eintr", env)})
	}
	return experiment.Stability(rs)
}

// writeTable writes s into dir as name, as a repeated run made elsewhere
// wrote it.
func writeTable(t *testing.T, dir, name string, s experiment.StabilityTable) {
	t.Helper()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

const pinned = "pinned: one thread spinning on CPU 0, the pinned specimens' core"

// TestReportStabilityTables: a folder that keeps one run's records and
// the stability tables of repeated runs made elsewhere, but no runs/ (as
// the reference run does), draws each table under its heading in
// REPORT.md, index.html and a STABILITY.md that holds them all.
func TestReportStabilityTables(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"zombies", "eintr"} {
		if _, err := report.Write(dir, recorded(t, name, func(*experiment.Environment) {})); err != nil {
			t.Fatal(err)
		}
	}
	writeTable(t, dir, "stability-pinned.json", stabilityOf(t, 2, pinned))
	writeTable(t, dir, report.StabilityJSON, stabilityOf(t, 3, ""))
	// What the repeated run wrote where its runs were: no longer true here.
	if err := os.WriteFile(filepath.Join(dir, report.StabilityMD), []byte("from the records of 3 runs, in runs/1/ to runs/3/.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var said strings.Builder
	if err := run(context.Background(), []string{"report", "--dir", dir, "--reference", ""}, &said); err != nil {
		t.Fatalf("lab report: %v", err)
	}
	wants := []string{
		"### 3 runs, the machine quiet\n",
		"| zombies | **2/3** | `3c: outcome(replied) == 20 in every trial` | 3/3 | 0 (exact) | 0 (exact) |\n",
		"### 2 runs beside a busy neighbour: " + pinned + "\n",
		"| zombies | **1/2** | `3c: outcome(replied) == 20 in every trial` | 2/2 | 0 (exact) | 0 (exact) |\n",
		"|  |  | `3g: zombies == 0 in every trial` | **1/2** | −3 | −1.5 |\n",
	}
	top := readFile(t, filepath.Join(dir, "REPORT.md"))
	stability := readFile(t, filepath.Join(dir, report.StabilityMD))
	for _, page := range []struct{ name, text, level string }{{"REPORT.md", top, "###"}, {report.StabilityMD, stability, "##"}} {
		at := 0
		for _, want := range wants {
			want = strings.Replace(want, "### ", page.level+" ", 1)
			i := strings.Index(page.text[at:], want)
			if i < 0 {
				t.Errorf("%s: got no %q after byte %d of\n%s", page.name, want, at, page.text)
				continue
			}
			at += i + len(want)
		}
	}
	for _, want := range []string{"from the 2 JSON records beside this file;", "## Stability\n", "| [zombies](#"} {
		if !strings.Contains(top, want) {
			t.Errorf("REPORT.md: got no %q", want)
		}
	}
	if strings.Contains(stability, "runs/1/") {
		t.Errorf("STABILITY.md: got the runs named, want it redrawn from the tables:\n%s", stability)
	}
	page := readFile(t, filepath.Join(dir, "index.html"))
	for _, want := range []string{`<h3 id="stability-1">3 runs, the machine quiet`, `<h3 id="stability-2">2 runs beside a busy neighbour: pinned: one thread spinning on CPU 0, the pinned specimens&#39; core`} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html: got no %q", want)
		}
	}
	if want := "wrote " + filepath.Join(dir, report.StabilityMD) + "\n"; !strings.Contains(said.String(), want) {
		t.Errorf("lab report: got %q, want it to say %q", said.String(), want)
	}
	// The tables are no records: nothing skipped, and stability.json kept.
	if recs, skipped, err := report.Read(dir); err != nil || len(recs) != 2 || len(skipped) != 0 {
		t.Errorf("Read: got %d records, skipped %v, %v; want the two records", len(recs), skipped, err)
	}
	var s experiment.StabilityTable
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, report.StabilityJSON))), &s); err != nil || s.Runs != 3 {
		t.Errorf("stability.json: got %d runs (%v), want the 3 it held", s.Runs, err)
	}

	// A table cut short is an error that names it, and nothing is drawn.
	bad := filepath.Join(dir, "stability-bounded.json")
	if err := os.WriteFile(bad, []byte(`{"runs": 10, "experiments": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "REPORT.md")); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"report", "--dir", dir, "--reference", ""}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("lab report beside a corrupt table: got %v, want an error naming %s", err, bad)
	}
	if _, err := os.Stat(filepath.Join(dir, "REPORT.md")); err == nil {
		t.Errorf("lab report beside a corrupt table: got a REPORT.md, want none")
	}
}

// TestRepeatBesideTables: a repeated run into a folder that keeps other
// tables draws its runs' first, then theirs; its STABILITY.md holds its
// runs alone.
func TestRepeatBesideTables(t *testing.T) {
	out := t.TempDir()
	writeTable(t, out, "stability-pinned.json", stabilityOf(t, 2, pinned))
	_, p := newFake(t)
	if err := runRepeat(context.Background(), p, out, 3, false, io.Discard); err != nil {
		t.Fatal(err)
	}
	top := readFile(t, filepath.Join(out, "REPORT.md"))
	own, beside := strings.Index(top, "### 3 runs, the machine quiet\n"), strings.Index(top, "### 2 runs beside a busy neighbour: "+pinned+"\n")
	if own < 0 || beside < own || !strings.Contains(top, "of the last of 3 runs, in runs/3/;") {
		t.Errorf("REPORT.md: got the runs' table at %d and the pinned one at %d, want both, the runs' first, the records of runs/3/:\n%s", own, beside, top)
	}
	if s := readFile(t, filepath.Join(out, report.StabilityMD)); !strings.Contains(s, "from the records of 3 runs") || strings.Contains(s, "pinned") {
		t.Errorf("STABILITY.md: got\n%s\nwant the 3 runs' table alone", s)
	}
	// lab report draws it again the same.
	if err := run(context.Background(), []string{"report", "--dir", out, "--reference", ""}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(out, "REPORT.md")); got != top {
		t.Errorf("lab report: got a REPORT.md other than the one lab run drew")
	}
}
