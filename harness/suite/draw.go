package suite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
)

// Draw redraws dir/REPORT.md and dir/index.html from every record in dir,
// beside the records in reference unless that is dir itself or holds none.
// Files that are not records are skipped, and obs is told.
func Draw(dir, reference string, obs Observer) ([]experiment.Record, error) {
	recs, _, err := draw(dir, reference, obs)
	return recs, err
}

// draw is Draw; it says too whether it redrew STABILITY.md. A folder
// without runs/ of its own may keep the stability tables of repeated runs
// made elsewhere, whose records are too large to keep (as the reference
// run does): the report then has their Stability section, and STABILITY.md
// is redrawn to hold them all. A folder with runs/ is DrawRepeat's, which
// draws the runs' stability itself.
func draw(dir, reference string, obs Observer) ([]experiment.Record, bool, error) {
	recs, skipped, err := report.Read(dir)
	warnSkipped(obs, skipped)
	if errors.Is(err, report.ErrNoRecords) {
		return nil, false, fmt.Errorf("nothing to draw: %w (lab run writes them)", err)
	} else if err != nil {
		return nil, false, err
	}
	var tables []experiment.StabilityTable
	if _, err := os.Stat(filepath.Join(dir, report.RunsDir)); errors.Is(err, os.ErrNotExist) {
		if tables, err = report.ReadStabilities(dir); err != nil {
			return nil, false, err
		}
	}
	var opts []report.Option
	if len(tables) > 0 {
		if err := report.WriteReport(filepath.Join(dir, report.StabilityMD), report.StabilitiesMarkdown(tables)); err != nil {
			return nil, false, err
		}
		opts = append(opts, report.WithStabilities(tables...))
	}
	ref := referenceRecords(dir, reference)
	if err := report.WriteReport(filepath.Join(dir, "REPORT.md"), report.Markdown(recs, ref, opts...)); err != nil {
		return nil, false, err
	}
	return recs, len(tables) > 0, report.WriteReport(filepath.Join(dir, "index.html"), report.HTML(recs, ref, opts...))
}

// Redraw is what lab report draws in dir: its records, as Draw draws them,
// or for a folder of repeated runs DrawRepeat's drawing. It returns the
// records drawn: dir's own, or else every run's; and the stability files
// it wrote, if any.
func Redraw(dir, reference string, obs Observer) (recs []experiment.Record, stability []string, err error) {
	runs, _, err := DrawRepeat(dir, reference, obs)
	switch {
	case errors.Is(err, report.ErrNoRuns):
		recs, drew, err := draw(dir, reference, obs)
		if drew {
			stability = []string{filepath.Join(dir, report.StabilityMD)}
		}
		return recs, stability, err
	case err != nil:
		return nil, nil, err
	}
	stability = []string{filepath.Join(dir, report.StabilityMD), filepath.Join(dir, report.StabilityJSON)}
	if own, _, err := report.Read(dir); err == nil {
		return own, stability, nil
	}
	for _, r := range runs {
		recs = append(recs, r...)
	}
	return recs, stability, nil
}

// Merge reads the records of every folder in dirs and writes the merged
// REPORT.md and index.html into out.
func Merge(out string, dirs []string, obs Observer) ([]experiment.Record, error) {
	var recs []experiment.Record
	for _, d := range dirs {
		got, skipped, err := report.Read(d)
		warnSkipped(obs, skipped)
		if err != nil {
			return nil, fmt.Errorf("merge %s: %w", d, err)
		}
		recs = append(recs, got...)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	if err := report.WriteReport(filepath.Join(out, "REPORT.md"), report.MergedMarkdown(recs)); err != nil {
		return nil, err
	}
	return recs, report.WriteReport(filepath.Join(out, "index.html"), report.MergedHTML(recs))
}

// referenceRecords are the records in reference to set dir's beside, none
// when reference is dir itself or holds none.
func referenceRecords(dir, reference string) []experiment.Record {
	if reference == "" || sameDir(dir, reference) {
		return nil
	}
	ref, _, _ := report.Read(reference) // no reference: no comparison
	return ref
}

// sameDir says whether a and b name the same folder.
func sameDir(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && filepath.Clean(aa) == filepath.Clean(bb)
}
