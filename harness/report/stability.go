package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// A repeated run (lab run --repeat N) keeps run k's records in
// OUT/runs/k/, each a records folder of its own, and beside them how the
// runs agree: OUT/stability.json and OUT/STABILITY.md.
const (
	RunsDir       = "runs"
	StabilityJSON = "stability.json"
	StabilityMD   = "STABILITY.md"
)

// ErrNoRuns means a folder holds no repeated runs.
var ErrNoRuns = errors.New("no repeated runs")

// RunDir is where run k (from 1) of a repeated run into out keeps its
// records.
func RunDir(out string, k int) string {
	return filepath.Join(out, RunsDir, strconv.Itoa(k))
}

// ReadRuns loads the records of every run in out/runs/, run 1 first, each
// run's as Read gives them, then its partial records (lab run --repeat
// --preset) of experiments it has no complete record of. Runs are
// numbered from 1: a run whose folder is missing or holds no record yet
// (interrupted at its first experiment), below the highest, is a run with
// none, so that runs[k-1] is always run k. Without out/runs/ it is
// ErrNoRuns.
func ReadRuns(out string) ([][]experiment.Record, []Skipped, error) {
	entries, err := os.ReadDir(filepath.Join(out, RunsDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w in %s", ErrNoRuns, out)
	} else if err != nil {
		return nil, nil, err
	}
	last := 0
	for _, e := range entries {
		if k, err := strconv.Atoi(e.Name()); err == nil && e.IsDir() {
			last = max(last, k)
		}
	}
	if last == 0 {
		return nil, nil, fmt.Errorf("%w in %s", ErrNoRuns, out)
	}
	var runs [][]experiment.Record
	var skipped []Skipped
	for k := 1; k <= last; k++ {
		dir := RunDir(out, k)
		recs, sk, err := Read(dir)
		skipped = append(skipped, sk...)
		if err != nil && !errors.Is(err, ErrNoRecords) {
			return nil, skipped, err
		}
		parts, sk, err := Read(filepath.Join(dir, PartialDir))
		skipped = append(skipped, sk...)
		if err != nil && !errors.Is(err, ErrNoRecords) {
			return nil, skipped, err
		}
		for _, p := range parts {
			if !hasRecordOf(recs, p.Experiment.Name) {
				recs = append(recs, p)
			}
		}
		runs = append(runs, recs)
	}
	return runs, skipped, nil
}

func hasRecordOf(recs []experiment.Record, name string) bool {
	for _, r := range recs {
		if r.Experiment.Name == name {
			return true
		}
	}
	return false
}

// WriteStability writes s into out as stability.json and STABILITY.md.
func WriteStability(out string, s experiment.StabilityTable) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // checks read "<=", not "\u003c="
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode stability: %w", err)
	}
	if err := writeAtomic(filepath.Join(out, StabilityJSON), b.Bytes()); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(out, StabilityMD), StabilityMarkdown(s))
}

// StabilityMarkdown renders STABILITY.md: per experiment in how many runs
// it was reproduced, and per check in how many it held, with the worst and
// the median of the runs' margins.
func StabilityMarkdown(s experiment.StabilityTable) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# serverlab stability\n\n")
	fmt.Fprintf(&b, "Drawn by `lab report` from the records of %d runs, in %s/1/ to %s/%d/.\n\n", s.Runs, RunsDir, RunsDir, s.Runs)
	writeStability(&b, s)
	return []byte(b.String())
}

// writeStability draws the stability table, for STABILITY.md and for the
// Stability section of REPORT.md.
func writeStability(b *strings.Builder, s experiment.StabilityTable) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	w("How often each experiment was reproduced and each check held, and by how much: a check's margin is how far the value that decides it stood from its threshold in a run, in the metric's units, positive on the side where it holds. The worst is the run nearest to failing, or furthest gone; a prediction that holds by a hair is a measurement, not yet a lesson.")
	w("")
	w("| experiment | reproduced | check | held | worst margin | median margin |")
	w("|---|---|---|---|---|---|")
	bold := func(s string, on bool) string {
		if on {
			return "**" + s + "**"
		}
		return s
	}
	for _, row := range stabilityRows(s) {
		check := ""
		if row.Check != "" {
			check = "`" + cell(row.Check) + "`"
		}
		w("| %s | %s | %s | %s | %s | %s |", row.Experiment, bold(row.Reproduced, row.Reproduced != "" && row.ExperimentUnsteady),
			check, bold(row.Held, row.CheckUnsteady), row.Worst, row.Median)
	}
	w("")
}

// stabilityRow is one check's row of the stability table; the experiment's
// name and count stand on its first check's row only. Unsteady marks an
// experiment not reproduced, or a check that did not hold, in every run.
type stabilityRow struct {
	Experiment, Reproduced            string
	Check, Held, Worst, Median        string
	ExperimentUnsteady, CheckUnsteady bool
}

func stabilityRows(s experiment.StabilityTable) []stabilityRow {
	var rows []stabilityRow
	for _, e := range s.Experiments {
		reproduced := fmt.Sprintf("%d/%d", e.Reproduced, s.Runs)
		if missing := s.Runs - e.Runs; missing > 0 {
			reproduced += fmt.Sprintf(" (%d without a record)", missing)
		}
		first := stabilityRow{Experiment: e.Experiment, Reproduced: reproduced, ExperimentUnsteady: e.Reproduced < s.Runs,
			Check: "", Held: "-", Worst: "-", Median: "-"}
		for i, c := range e.Checks {
			row := stabilityRow{ExperimentUnsteady: first.ExperimentUnsteady, Check: c.Check, Worst: "-", Median: "-"}
			if i == 0 {
				row.Experiment, row.Reproduced = first.Experiment, first.Reproduced
			}
			row.Held = fmt.Sprintf("%d/%d", c.Held, c.Decided)
			if u := c.Runs - c.Decided; u > 0 {
				row.Held += fmt.Sprintf(" (%d undecided)", u)
			}
			row.CheckUnsteady = c.Held < c.Runs
			if c.WorstMargin != nil {
				row.Worst = formatMargin(c.Op, *c.WorstMargin)
			}
			if c.MedianMargin != nil {
				row.Median = formatMargin(c.Op, *c.MedianMargin)
			}
			rows = append(rows, row)
		}
		if len(e.Checks) == 0 {
			rows = append(rows, first)
		}
	}
	return rows
}

// Option adds to a report what its records alone cannot say.
type Option func(*extras)

type extras struct {
	stability *experiment.StabilityTable
	from      string // where the records drawn are, when not beside the report
}

func newExtras(opts []Option) extras {
	var x extras
	for _, o := range opts {
		o(&x)
	}
	return x
}

// WithStability adds a Stability section drawn from s, the repeated runs'
// agreement; the records drawn are then the last run's, in the folder from
// (relative to the report, e.g. "runs/5/").
func WithStability(s experiment.StabilityTable, from string) Option {
	return func(x *extras) { x.stability, x.from = &s, from }
}
