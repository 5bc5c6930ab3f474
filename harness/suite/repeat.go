package suite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
)

// lab run --repeat N: the same experiments N times in a row, because a
// prediction that held once may have held by chance. Run k is an ordinary
// records folder, OUT/runs/k/; after the last, how the runs agree is drawn
// from the records read back from disk (so that lab report can draw it
// again) into OUT/stability.json and OUT/STABILITY.md, and OUT/REPORT.md
// is the last run's with a Stability section.

// CheckRepeatOut refuses to repeat into a folder whose runs/ already holds
// runs, unless resuming them: an earlier repeat's runs would count in this
// one's stability.
func CheckRepeatOut(out string, n int, resume bool) error {
	runs, _, err := report.ReadRuns(out)
	switch {
	case errors.Is(err, report.ErrNoRuns):
		return nil
	case err != nil:
		return err
	case !resume:
		return fmt.Errorf("--repeat %d: %s already holds %d runs (pass --resume to finish them, or another --out)",
			n, filepath.Join(out, report.RunsDir), len(runs))
	case len(runs) > n:
		return fmt.Errorf("--repeat %d --resume: %s holds %d runs, more than %d", n, filepath.Join(out, report.RunsDir), len(runs), n)
	}
	return nil
}

// Repeat runs p n times, run k into out/runs/k/, then draws how the runs
// agree. It returns every run's records as read back, their stability, and
// the experiments that could not run, by run. An interrupt stops it after
// the experiment under way, as a single run stops: the runs finished, and
// what the interrupted one finished, are kept and drawn.
func (p Pass) Repeat(ctx context.Context, out string, n int) ([][]experiment.Record, experiment.StabilityTable, []string, error) {
	var failed []string
	var stopped error
	for k := 1; k <= n && stopped == nil; k++ {
		dir := report.RunDir(out, k)
		p.observer().Repeat(k, n, dir)
		_, f, err := p.Run(ctx, dir)
		for _, s := range f {
			failed = append(failed, fmt.Sprintf("run %d: %s", k, s))
		}
		if err != nil {
			stopped = fmt.Errorf("run %d of %d: %w", k, n, err)
		}
	}
	runs, s, err := DrawRepeat(out, p.Reference, p.observer())
	if stopped != nil {
		err = stopped
	}
	return runs, s, failed, err
}

// RepeatStatus is Status over every run: an error when an experiment could
// not run or a trial failed in any run, or (strict) when an experiment was
// not reproduced in every run.
func RepeatStatus(runs [][]experiment.Record, s experiment.StabilityTable, failed []string, strict bool) error {
	var all []experiment.Record
	for _, recs := range runs {
		all = append(all, recs...)
	}
	if err := Status(all, failed, false); err != nil {
		return err
	}
	if u := s.Unsteady(); strict && len(u) > 0 {
		return fmt.Errorf("--strict: %s", strings.Join(u, ", "))
	}
	return nil
}

// DrawRepeat draws a folder of repeated runs from the records on disk:
// out/stability.json and out/STABILITY.md, then out/REPORT.md and
// index.html from the last run that has records, with the Stability
// section: the runs', then those of the other stability tables kept in
// out (stability-pinned.json, made elsewhere). A folder that also holds
// records of its own (a single run made there) keeps its report of them.
// It returns every run's records, and the stability.
func DrawRepeat(out, reference string, obs Observer) ([][]experiment.Record, experiment.StabilityTable, error) {
	runs, skipped, err := report.ReadRuns(out)
	warnSkipped(obs, skipped)
	if err != nil {
		return nil, experiment.StabilityTable{}, err
	}
	s := experiment.Stability(runs)
	if err := report.WriteStability(out, s); err != nil {
		return runs, s, err
	}
	if own, _, err := report.Read(out); err == nil && len(own) > 0 {
		obs.Warn(fmt.Sprintf("%s holds records of its own: REPORT.md draws them; the repeated runs are in %s", out, report.StabilityMD))
		_, err := Draw(out, reference, obs)
		return runs, s, err
	}
	last := len(runs)
	for last > 0 && len(runs[last-1]) == 0 {
		last--
	}
	if last == 0 {
		return runs, s, fmt.Errorf("nothing to draw: %w in %s (lab run writes them)", report.ErrNoRecords, filepath.Join(out, report.RunsDir))
	}
	tables, err := report.ReadStabilities(out)
	if err != nil {
		return runs, s, err
	}
	// The first is stability.json, s as just written.
	others := tables[min(1, len(tables)):]
	recs := runs[last-1]
	from := report.RunsDir + "/" + strconv.Itoa(last) + "/"
	opts := []report.Option{report.WithStability(s, from), report.WithStabilities(others...)}
	ref := referenceRecords(out, reference)
	if err := report.WriteReport(filepath.Join(out, "REPORT.md"), report.Markdown(recs, ref, opts...)); err != nil {
		return runs, s, err
	}
	return runs, s, report.WriteReport(filepath.Join(out, "index.html"), report.HTML(recs, ref, opts...))
}
