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
		if len(got[k-1]) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got[k-1], want)) {
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
