package report

import (
	"encoding/json"
	"errors"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/experiment"
)

// repeatedRuns are three runs of head-of-line and zombies: in the second,
// 3c left 17 zombies instead of 20; in the third, zombies did not run.
func repeatedRuns(t *testing.T) [][]experiment.Record {
	short := zombiesRecord(t)
	c := &short.Trials[0]
	c.Steps[len(c.Steps)-1].Probe = snapshot("forking", 17)
	short.Checks, short.Verdict = experiment.Judge(short.Experiment, short.Trials)
	return [][]experiment.Record{
		{headOfLineRecord(t), zombiesRecord(t)},
		{headOfLineRecord(t), short},
		{headOfLineRecord(t)},
	}
}

func TestStabilityMarkdown(t *testing.T) {
	md := string(StabilityMarkdown(experiment.Stability(repeatedRuns(t))))
	for _, want := range []string{
		"# serverlab stability\n",
		"from the records of 3 runs, in runs/1/ to runs/3/.\n",
		"| experiment | reproduced | check | held | worst margin | median margin |\n",
		// Reproduced in every run, each check with its margins.
		"| head-of-line | 3/3 | `3b: outcome(replied) == 5 in every trial` | 3/3 | 0 (exact) | 0 (exact) |\n",
		"|  |  | `3c: done_max <= 1.5 in every trial` | 3/3 | +0.498 | +0.498 |\n",
		// zombies had no probe for 3g (undecided) in both runs, and no record in the third.
		"| zombies | **0/3 (1 without a record)** | `3c: outcome(replied) == 20 in every trial` | 2/2 | 0 (exact) | 0 (exact) |\n",
		// Three zombies short in one run of two: the worst margin shows it.
		"|  |  | `3c: zombies == 20 in every trial` | **1/2** | −3 | −1.5 |\n",
		"|  |  | `3g: zombies == 0 in every trial` | **0/0 (2 undecided)** | - | - |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("got no %q in\n%s", want, md)
		}
	}
}

// TestMarkdownWithStability: the top-level report of a repeated run draws
// the last run's records, says so, and has the Stability section.
func TestMarkdownWithStability(t *testing.T) {
	runs := repeatedRuns(t)
	s := experiment.Stability(runs)
	md := string(Markdown(runs[1], nil, WithStability(s, "runs/2/")))
	for _, want := range []string{
		"Drawn by `lab report` from the 2 JSON records of the last of 3 runs, in runs/2/;",
		"## Stability\n",
		"|  |  | `3c: zombies == 20 in every trial` | **1/2** | −3 | −1.5 |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("got no %q in\n%s", want, md)
		}
	}
	if plain := string(Markdown(runs[1], nil)); strings.Contains(plain, "## Stability") {
		t.Errorf("without WithStability: got a Stability section, want none")
	}
	page := html.UnescapeString(string(HTML(runs[1], nil, WithStability(s, "runs/2/"))))
	for _, want := range []string{
		`<li><a href="#stability">Stability</a></li>`,
		"of the last of 3 runs, in <code>runs/2/</code>",
		`<tr class="failed"><td></td><td></td><td><code>3c: zombies == 20 in every trial</code></td><td>1/2</td><td class="num">−3</td><td class="num">−1.5</td></tr>`,
		`<td>zombies</td><td><strong>0/3 (1 without a record)</strong></td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("got no %q in the page", want)
		}
	}
	if strings.Contains(string(HTML(runs[1], nil)), `id="stability"`) {
		t.Errorf("without WithStability: got a Stability section in the page, want none")
	}
}

// TestReadRuns reads runs back from their folders in the runs' order (10
// after 9), a missing or empty run as a run with none, and stability.json
// beside the records as no record.
func TestReadRuns(t *testing.T) {
	out := t.TempDir()
	if _, _, err := ReadRuns(out); !errors.Is(err, ErrNoRuns) {
		t.Errorf("no runs/: got %v, want ErrNoRuns", err)
	}
	runs := repeatedRuns(t)
	written := map[int][]experiment.Record{9: runs[0], 10: runs[1], 2: runs[2]}
	for k, recs := range written {
		for _, r := range recs {
			if _, err := Write(RunDir(out, k), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A run interrupted before its first record, and a folder that is no run.
	for _, d := range []string{RunDir(out, 5), filepath.Join(out, RunsDir, "notes")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, skipped, err := ReadRuns(out)
	if err != nil || len(skipped) > 0 {
		t.Fatalf("ReadRuns: %v, skipped %v", err, skipped)
	}
	if len(got) != 10 {
		t.Fatalf("got %d runs, want 10: runs 1 to 10, those without records empty", len(got))
	}
	for k := 1; k <= 10; k++ {
		want := written[k]
		if len(got[k-1]) != len(want) || (len(want) > 0 && !sameJSON(got[k-1], want)) {
			t.Errorf("run %d: got %d records, want the %d written", k, len(got[k-1]), len(want))
		}
	}
	s := experiment.Stability(got)
	if err := WriteStability(out, s); err != nil {
		t.Fatal(err)
	}
	// stability.json is what Stability gives, readably, and no record.
	b, err := os.ReadFile(filepath.Join(out, StabilityJSON))
	if err != nil {
		t.Fatal(err)
	}
	var back experiment.StabilityTable
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("stability.json: got %+v (%v), want %+v", back, err, s)
	}
	if !strings.Contains(string(b), `"check": "3c: done_max <= 1.5 in every trial"`) {
		t.Errorf("stability.json: got the checks escaped, want them as they read:\n%s", b)
	}
	if md, err := os.ReadFile(filepath.Join(out, StabilityMD)); err != nil || !strings.Contains(string(md), "from the records of 10 runs") {
		t.Errorf("STABILITY.md: got %q (%v), want it drawn from 10 runs", md, err)
	}
	if _, err := Write(out, headOfLineRecord(t)); err != nil {
		t.Fatal(err)
	}
	if recs, skipped, err := Read(out); err != nil || len(recs) != 1 || len(skipped) != 0 {
		t.Errorf("Read beside stability.json: got %d records, skipped %v, %v; want the one record and nothing skipped", len(recs), skipped, err)
	}
}

// TestReadRunsPartial: a repeated run of some presets keeps its records in
// each run's partial/; they are the run's records.
func TestReadRunsPartial(t *testing.T) {
	out := t.TempDir()
	part := zombiesRecord(t)
	part.Presets = []string{"webserver3c"}
	for k := 1; k <= 2; k++ {
		if _, err := Write(RunDir(out, k), part); err != nil {
			t.Fatal(err)
		}
	}
	runs, _, err := ReadRuns(out)
	if err != nil || len(runs) != 2 || len(runs[0]) != 1 || len(runs[1]) != 1 || !runs[1][0].Partial() {
		t.Errorf("got %v, %v; want two runs of the partial record", runs, err)
	}
}

// pinnedNeighbour is how a record names the pinned neighbour.
const pinnedNeighbour = "pinned: one thread spinning on CPU 0, the pinned specimens' core"

// stabilityAt is the stability of runs made at commit beside neighbour.
func stabilityAt(runs [][]experiment.Record, neighbour, commit string) experiment.StabilityTable {
	for _, recs := range runs {
		for i := range recs {
			recs[i].Environment.Neighbour, recs[i].Environment.LabCommit = neighbour, commit
		}
	}
	return experiment.Stability(runs)
}

// writeTable writes s into dir as name, as lab run --repeat writes it.
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

// TestReadStabilities reads a folder's stability tables, its own
// stability.json first, then the others by name; the records beside them
// are read as records, the tables skipped without a word.
func TestReadStabilities(t *testing.T) {
	dir := t.TempDir()
	if got, err := ReadStabilities(dir); err != nil || len(got) != 0 {
		t.Errorf("no table: got %d, %v; want none and no error", len(got), err)
	}
	quiet := stabilityAt(repeatedRuns(t), "", "aaa")
	pinned := stabilityAt(repeatedRuns(t)[:2], pinnedNeighbour, "bbb")
	bounded := stabilityAt(repeatedRuns(t)[:1], "bounded: two threads spinning anywhere", "bbb")
	// Written in another order than they are read.
	writeTable(t, dir, "stability-pinned.json", pinned)
	writeTable(t, dir, StabilityJSON, quiet)
	writeTable(t, dir, "stability-bounded.json", bounded)
	got, err := ReadStabilities(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := []experiment.StabilityTable{quiet, bounded, pinned}; !reflect.DeepEqual(got, want) {
		var g, w []string
		for i := range got {
			g = append(g, stabilityHeading(got[i]))
		}
		for i := range want {
			w = append(w, stabilityHeading(want[i]))
		}
		t.Errorf("got tables %q, want %q", g, w)
	}
	if _, err := Write(dir, zombiesRecord(t)); err != nil {
		t.Fatal(err)
	}
	if recs, skipped, err := Read(dir); err != nil || len(recs) != 1 || len(skipped) != 0 {
		t.Errorf("Read beside the tables: got %d records, skipped %v, %v; want the one record and nothing skipped", len(recs), skipped, err)
	}
}

// TestReadStabilitiesCorrupt: a file named as a table that is none is an
// error that names it.
func TestReadStabilitiesCorrupt(t *testing.T) {
	rec, err := json.Marshal(zombiesRecord(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, content, want string
	}{
		// Cut short as it was copied.
		{"stability-pinned.json", `{"runs": 10, "experiments": [`, "unexpected end of JSON input"},
		// A record saved under a table's name: it counts no runs.
		{"stability-bounded.json", string(rec), "not a stability table"},
		// JSON, but runs is no number.
		{StabilityJSON, `{"runs": "ten"}`, "cannot unmarshal"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		writeTable(t, dir, "stability-a.json", stabilityAt(repeatedRuns(t), "", "aaa"))
		path := filepath.Join(dir, tt.name)
		if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadStabilities(dir)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %d tables, %v; want an error naming %s: %s", tt.name, len(got), err, path, tt.want)
		}
	}
}

// TestMarkdownWithStabilities: records beside the stability tables of
// repeated runs made elsewhere draw one Stability section, each table
// under a heading that says how its runs were made and which code they
// measured; WithStability's runs come first.
func TestMarkdownWithStabilities(t *testing.T) {
	recs := repeatedRuns(t)[0]
	quiet := stabilityAt(repeatedRuns(t), "", "7cf65974860010d24a0f0a50c2624213c58b7926")
	// The second run's head-of-line was made at another commit.
	runs := repeatedRuns(t)[:2]
	stabilityAt(runs, pinnedNeighbour, "7cf65974860010d24a0f0a50c2624213c58b7926")
	runs[1][0].Environment.LabCommit = "4cb61255dd10f15695ee1cff36d7cca3395e0d8f"
	pinned := experiment.Stability(runs)
	md := string(Markdown(recs, nil, WithStabilities(quiet, pinned)))
	wants := []string{
		"Drawn by `lab report` from the 2 JSON records beside this file;",
		"## Stability\n",
		"### 3 runs, the machine quiet\n",
		"| zombies | **0/3 (1 without a record)** | `3c: outcome(replied) == 20 in every trial` | 2/2 | 0 (exact) | 0 (exact) |\n",
		"Its runs measured lab commit `7cf65974860010d24a0f0a50c2624213c58b7926`.\n",
		"### 2 runs beside a busy neighbour: " + pinnedNeighbour + "\n",
		"| zombies | **0/2** | `3c: outcome(replied) == 20 in every trial` | 2/2 | 0 (exact) | 0 (exact) |\n",
		"**Its runs measured 2 lab commits, not one:** `7cf659748600`, `4cb61255dd10`.\n",
	}
	at := 0
	for _, want := range wants {
		i := strings.Index(md[at:], want)
		if i < 0 {
			t.Errorf("got no %q after byte %d of\n%s", want, at, md)
			continue
		}
		at += i + len(want)
	}
	if n := strings.Count(md, "## Stability"); n != 1 {
		t.Errorf("got %d Stability sections, want 1", n)
	}
	// A repeated run's own table first, then those added.
	md = string(Markdown(recs, nil, WithStability(quiet, "runs/3/"), WithStabilities(pinned)))
	own, beside := strings.Index(md, "### 3 runs, the machine quiet"), strings.Index(md, "### 2 runs beside a busy neighbour")
	if !strings.Contains(md, "of the last of 3 runs, in runs/3/;") || own < 0 || beside < own {
		t.Errorf("WithStability then WithStabilities: got no lead naming runs/3/, or the tables out of order, in\n%s", md)
	}
	page := html.UnescapeString(string(HTML(recs, nil, WithStabilities(quiet, pinned))))
	for _, want := range []string{
		`<li><a href="#stability">Stability</a></li>`,
		"from the 2 JSON records beside this file;",
		`<h3 id="stability-1">3 runs, the machine quiet<a class="anchor" href="#stability-1"`,
		`<p class="commits">Its runs measured lab commit <code>7cf65974860010d24a0f0a50c2624213c58b7926</code>.</p>`,
		`<h3 id="stability-2">2 runs beside a busy neighbour: ` + pinnedNeighbour + `<a class="anchor" href="#stability-2"`,
		`<td>zombies</td><td><strong>0/2</strong></td>`,
		`<strong>Its runs measured 2 lab commits, not one:</strong> <code>7cf659748600</code>, <code>4cb61255dd10</code>.</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("got no %q in the page", want)
		}
	}
}

// TestStabilitiesMarkdown: STABILITY.md of a folder that keeps tables but
// no runs says so, and draws each under its heading.
func TestStabilitiesMarkdown(t *testing.T) {
	md := string(StabilitiesMarkdown([]experiment.StabilityTable{
		stabilityAt(repeatedRuns(t), "", "aaa"), stabilityAt(repeatedRuns(t)[:1], pinnedNeighbour, "bbb")}))
	for _, want := range []string{
		"# serverlab stability\n",
		"from the 2 stability tables beside this file (stability*.json), each a repeated run's (lab run --repeat); the runs' records are not kept here.\n",
		"## 3 runs, the machine quiet\n",
		"## 1 run beside a busy neighbour: " + pinnedNeighbour + "\n",
		"Its runs measured lab commit `bbb`.\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("got no %q in\n%s", want, md)
		}
	}
	if strings.Contains(md, RunsDir+"/1/") {
		t.Errorf("got runs/ named, want none: its runs are not here\n%s", md)
	}
}
