package report

import (
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
