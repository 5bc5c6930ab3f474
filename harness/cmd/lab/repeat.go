package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
)

// lab run --repeat N: the same experiments N times in a row, because a
// prediction that held once may have held by chance. Run k is an ordinary
// records folder, OUT/runs/k/; after the last, how the runs agree is drawn
// from the records read back from disk (so that lab report can draw it
// again) into OUT/stability.json and OUT/STABILITY.md, and OUT/REPORT.md
// is the last run's with a Stability section.

// checkRepeatOut refuses to repeat into a folder whose runs/ already holds
// runs, unless resuming them: an earlier repeat's runs would count in this
// one's stability.
func checkRepeatOut(out string, n int, resume bool) error {
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

// runRepeat runs p n times, run k into out/runs/k/, then draws and prints
// how the runs agree. An interrupt stops it after the experiment under way,
// as a single run stops: the runs finished, and what the interrupted one
// finished, are kept and drawn.
func runRepeat(ctx context.Context, p pass, out string, n int, strict bool, stdout io.Writer) error {
	var failed []string
	var stopped error
	for k := 1; k <= n && stopped == nil; k++ {
		dir := report.RunDir(out, k)
		fmt.Fprintf(p.log, "run %d of %d, into %s\n", k, n, dir)
		_, f, err := p.run(ctx, dir)
		for _, s := range f {
			failed = append(failed, fmt.Sprintf("run %d: %s", k, s))
		}
		if err != nil {
			stopped = fmt.Errorf("run %d of %d: %w", k, n, err)
		}
	}
	runs, s, err := writeRepeatReport(out, p.reference)
	switch {
	case stopped != nil:
		return stopped
	case err != nil:
		return err
	}
	printRuns(stdout, runs, s)
	return repeatStatus(runs, s, failed, strict)
}

// repeatStatus is exitStatus over every run: an error when an experiment
// could not run or a trial failed in any run, or (strict) when an
// experiment was not reproduced in every run.
func repeatStatus(runs [][]experiment.Record, s experiment.StabilityTable, failed []string, strict bool) error {
	var all []experiment.Record
	for _, recs := range runs {
		all = append(all, recs...)
	}
	if err := exitStatus(all, failed, false); err != nil {
		return err
	}
	if u := s.Unsteady(); strict && len(u) > 0 {
		return fmt.Errorf("--strict: %s", strings.Join(u, ", "))
	}
	return nil
}

// writeRepeatReport draws a folder of repeated runs from the records on
// disk: out/stability.json and out/STABILITY.md, then out/REPORT.md and
// index.html from the last run that has records, with the Stability
// section: the runs', then those of the other stability tables kept in
// out (stability-pinned.json, made elsewhere). A folder that also holds
// records of its own (a single run made there) keeps its report of them.
// It returns every run's records, and the stability.
func writeRepeatReport(out, reference string) ([][]experiment.Record, experiment.StabilityTable, error) {
	runs, skipped, err := report.ReadRuns(out)
	for _, s := range skipped {
		fmt.Fprintf(os.Stderr, "lab: skipped %s: %s\n", s.Path, s.Reason)
	}
	if err != nil {
		return nil, experiment.StabilityTable{}, err
	}
	s := experiment.Stability(runs)
	if err := report.WriteStability(out, s); err != nil {
		return runs, s, err
	}
	if own, _, err := report.Read(out); err == nil && len(own) > 0 {
		fmt.Fprintf(os.Stderr, "lab: %s holds records of its own: REPORT.md draws them; the repeated runs are in %s\n", out, report.StabilityMD)
		_, err := writeReport(out, reference)
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

// redraw is what lab report draws in dir: its records, as writeReport
// draws them, or for a folder of repeated runs writeRepeatReport's
// drawing. It returns the records drawn: dir's own, or else every run's;
// and the stability files it wrote, if any.
func redraw(dir, reference string) (recs []experiment.Record, stability []string, err error) {
	runs, _, err := writeRepeatReport(dir, reference)
	switch {
	case errors.Is(err, report.ErrNoRuns):
		recs, drew, err := drawReport(dir, reference)
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

// printRuns prints a line per run, then per experiment in how many runs it
// was reproduced and which checks did not hold in every one.
func printRuns(w io.Writer, runs [][]experiment.Record, s experiment.StabilityTable) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tEXPERIMENTS\tREPRODUCED\tNOT REPRODUCED\tINCONCLUSIVE\tTOOK\tSET-UP\tMEASURING")
	for k, recs := range runs {
		outcomes := map[experiment.Outcome]int{}
		var t timing
		var took time.Duration
		for _, r := range recs {
			outcomes[r.Verdict.Outcome]++
			t.add(timingOf(r))
			took += r.Finished.Sub(r.Started)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", k+1, len(recs), outcomes[experiment.Reproduced],
			outcomes[experiment.NotReproduced], outcomes[experiment.Inconclusive], took.Round(time.Second), t.setUp(), t.measuring())
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tREPRODUCED\tCHECKS HELD IN EVERY RUN\tNOT IN EVERY RUN")
	for _, e := range s.Experiments {
		steady := 0
		var not []string
		for _, c := range e.Checks {
			if c.Held == s.Runs {
				steady++
				continue
			}
			not = append(not, fmt.Sprintf("%s (%d/%d)", c.Check, c.Held, s.Runs))
		}
		list := strings.Join(not, "; ")
		if len(list) > 100 {
			list = list[:97] + "..."
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%d/%d\t%s\n", e.Experiment, e.Reproduced, s.Runs, steady, len(e.Checks), list)
	}
	tw.Flush()
}
