package report

import (
	"github.com/serverlab/serverlab/harness/experiment"
	"path/filepath"
	"strings"
	"testing"
)

// referenceDir is the committed reference run, from this package.
var referenceDir = filepath.Join("..", "..", "results", "reference")

// TestReferenceIsOneRun: every run is set beside the reference, so the
// reference must be one run of one lab: records made at different commits
// measure different code, and an experiment rerun alone after a fix would
// stand beside others that never saw it.
func TestReferenceIsOneRun(t *testing.T) {
	recs, skipped, err := Read(referenceDir)
	if err != nil {
		t.Fatalf("read the reference: %v", err)
	}
	for _, s := range skipped {
		t.Errorf("%s: not a record: %s", s.Path, s.Reason)
	}
	cs := commits(recs)
	for _, c := range cs {
		if c.Commit == "" {
			t.Errorf("the records of %s do not say which lab commit made them", strings.Join(c.Experiments, ", "))
		}
	}
	if len(cs) > 1 {
		var lines []string
		for _, c := range cs {
			lines = append(lines, "  "+c.Name()+": "+strings.Join(c.Experiments, ", "))
		}
		t.Errorf("got the reference's %d records made at %d lab commits, want one run at one commit:\n%s",
			len(recs), len(cs), strings.Join(lines, "\n"))
	}
}

// TestReferenceJudgesAgain: the committed reference, judged again by the
// suite as it is declared now, gives every check the values and every
// record the verdict it stored. A change to how experiments are declared
// or judged that changes a verdict fails here, not in a user's run.
func TestReferenceJudgesAgain(t *testing.T) {
	recs, _, err := Read(referenceDir)
	if err != nil {
		t.Fatalf("read the reference: %v", err)
	}
	if len(recs) != len(experiment.Suite()) {
		t.Errorf("got %d records in the reference, want one per experiment of the suite (%d)", len(recs), len(experiment.Suite()))
	}
	for _, rec := range recs {
		name := rec.Experiment.Name
		e, err := experiment.Lookup(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		results, verdict := experiment.JudgeOn(e, rec.Trials, rec.Environment)
		if verdict != rec.Verdict {
			t.Errorf("%s: judged again %+v, stored %+v", name, verdict, rec.Verdict)
		}
		if len(results) != len(rec.Checks) {
			t.Errorf("%s: %d checks declared now, %d stored", name, len(results), len(rec.Checks))
			continue
		}
		for i, got := range results {
			want := rec.Checks[i]
			if got.Check.String() != want.Check.String() {
				t.Errorf("%s: check %d is %q now, stored %q", name, i, got.Check, want.Check)
				continue
			}
			if got.Held != want.Held || got.Unavailable != want.Unavailable || !sameValues(got.Values, want.Values) {
				t.Errorf("%s: %s: judged again held=%v %v %q, stored held=%v %v %q",
					name, got.Check, got.Held, got.Values, got.Unavailable, want.Held, want.Values, want.Unavailable)
			}
		}
	}
}

// sameValues compares two checks' per-trial values and errors.
func sameValues(a, b []experiment.TrialValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Trial != b[i].Trial || a[i].Value != b[i].Value || a[i].Error != b[i].Error {
			return false
		}
	}
	return true
}
