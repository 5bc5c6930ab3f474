package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/internal/labtest"
	"github.com/serverlab/serverlab/harness/runner"
)

// TestTourRuns walks two steps of the tour with --run --strict, as a reader
// would: part 1, then 3d alone, where webserver3d at the article's ulimit
// -u 400 -n 500 dies of fork's EAGAIN. Then, without --run, the tour shows
// the same steps from the records it wrote.
func TestTourRuns(t *testing.T) {
	labtest.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	out := t.TempDir()
	for _, step := range []string{"part1", "3d"} {
		var stdout bytes.Buffer
		err := run(ctx, []string{"tour", "--run", "--only", "--strict", "--no-build", "--out", out, "--run-id", runID(t), step}, &stdout)
		t.Logf("lab tour --run --only %s:\n%s", step, stdout.String())
		if err != nil {
			t.Fatalf("lab tour --run --only %s: %v", step, err)
		}
		text := stdout.String()
		for _, want := range []string{"The article says (Part ", "In the playground, type:", "What the lab saw (" + out, "Verdict: reproduced", "1 of 1 steps reproduced"} {
			if !strings.Contains(text, want) {
				t.Errorf("step %s: no %q in the output", step, want)
			}
		}
		if step == "3d" && !strings.Contains(text, `process-limit 3d-u400 trial 1: 500 connections:`) ||
			step == "3d" && !strings.Contains(text, `last log line "fork: EAGAIN (Resource temporarily unavailable)"`) {
			t.Errorf("step 3d: no trial of 3d-u400 whose 500 clients end in fork's EAGAIN")
		}
	}
	var shown bytes.Buffer
	if err := run(ctx, []string{"tour", "--strict", "--out", out, "--reference", "", "part1"}, &shown); err == nil {
		t.Errorf("lab tour --strict from part1, with only part1 and 3d run: no error; want the steps without a record inconclusive")
	}
	if !strings.Contains(shown.String(), "What the lab saw ("+out) || !strings.Contains(shown.String(), "2 of 9 steps reproduced") {
		t.Errorf("lab tour without --run: want part1 and 3d from %s and 2 of 9 reproduced:\n%s", out, shown.String())
	}
	if ids, err := runner.List(ctx, runID(t)); err != nil || len(ids) > 0 {
		t.Errorf("containers left behind: %v (%v)", ids, err)
	}
}
