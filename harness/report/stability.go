package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// A repeated run (lab run --repeat N) keeps run k's records in
// OUT/runs/k/, each a records folder of its own, and beside them how the
// runs agree: OUT/stability.json and OUT/STABILITY.md. A records folder
// may also keep the stability tables of repeated runs made elsewhere,
// whose records are too large to keep: StabilityFiles, such as
// stability-pinned.json.
const (
	RunsDir        = "runs"
	StabilityJSON  = "stability.json"
	StabilityMD    = "STABILITY.md"
	StabilityFiles = "stability*.json"
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

// ReadStabilities reads every stability table in dir (StabilityFiles):
// stability.json first, a repeated run's own, then the others by name. A
// folder without any is no error; a file that is not a stability table
// is, naming it.
func ReadStabilities(dir string) ([]experiment.StabilityTable, error) {
	paths, err := filepath.Glob(filepath.Join(dir, StabilityFiles))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(paths, func(a, b string) int {
		aOwn, bOwn := filepath.Base(a) == StabilityJSON, filepath.Base(b) == StabilityJSON
		if aOwn != bOwn {
			if aOwn {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	var tables []experiment.StabilityTable
	for _, p := range paths {
		s, err := readStability(p)
		if err != nil {
			return nil, err
		}
		tables = append(tables, s)
	}
	return tables, nil
}

func readStability(path string) (experiment.StabilityTable, error) {
	var s experiment.StabilityTable
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err // names the path
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("read stability %s: %w", path, err)
	}
	// Any JSON object decodes, a record too: a table counts its runs.
	if s.Runs < 1 {
		return s, fmt.Errorf("read stability %s: not a stability table (it counts no runs)", path)
	}
	return s, nil
}

// isStabilityFile says whether the file at path is a stability table by
// its name, not a record.
func isStabilityFile(path string) bool {
	ok, _ := filepath.Match(StabilityFiles, filepath.Base(path))
	return ok
}

// StabilityMarkdown renders STABILITY.md of a repeated run: per
// experiment in how many runs it was reproduced, and per check in how many
// it held, with the worst and the median of the runs' margins.
func StabilityMarkdown(s experiment.StabilityTable) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# serverlab stability\n\n")
	fmt.Fprintf(&b, "Drawn by `lab report` from the records of %d runs, in %s/1/ to %s/%d/.\n\n", s.Runs, RunsDir, RunsDir, s.Runs)
	writeStabilities(&b, "##", []experiment.StabilityTable{s})
	return []byte(b.String())
}

// StabilitiesMarkdown renders the STABILITY.md of a records folder that
// keeps the stability tables of repeated runs made elsewhere, but not
// their records: each table under a heading of its own.
func StabilitiesMarkdown(tables []experiment.StabilityTable) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# serverlab stability\n\n")
	fmt.Fprintf(&b, "Drawn by `lab report` from the %d stability tables beside this file (%s), each a repeated run's (lab run --repeat); the runs' records are not kept here.\n\n",
		len(tables), StabilityFiles)
	writeStabilities(&b, "##", tables)
	return []byte(b.String())
}

// writeStabilities says what a stability table shows, then draws each
// table under a heading at level ("##", "###") that says how it was run.
func writeStabilities(b *strings.Builder, level string, tables []experiment.StabilityTable) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	w("How often each experiment was reproduced and each check held, and by how much: a check's margin is how far the value that decides it stood from its threshold in a run, in the metric's units, positive on the side where it holds. The worst is the run nearest to failing, or furthest gone; a prediction that holds by a hair is a measurement, not yet a lesson.")
	w("")
	for _, v := range stabilityViews(tables) {
		w("%s %s", level, v.Heading)
		w("")
		writeStability(b, v)
	}
}

// writeStability draws one stability table and the lab commits it
// measured, for STABILITY.md and for the Stability section of REPORT.md.
func writeStability(b *strings.Builder, v stabilityView) {
	w := func(format string, a ...any) { fmt.Fprintf(b, format+"\n", a...) }
	w("| experiment | reproduced | check | held | worst margin | median margin |")
	w("|---|---|---|---|---|---|")
	bold := func(s string, on bool) string {
		if on {
			return "**" + s + "**"
		}
		return s
	}
	for _, row := range v.Rows {
		check := ""
		if row.Check != "" {
			check = "`" + cell(row.Check) + "`"
		}
		w("| %s | %s | %s | %s | %s | %s |", row.Experiment, bold(row.Reproduced, row.Reproduced != "" && row.ExperimentUnsteady),
			check, bold(row.Held, row.CheckUnsteady), row.Worst, row.Median)
	}
	w("")
	switch len(v.Commits) {
	case 0:
		w("The table does not say which lab commit its runs measured.")
	case 1:
		w("Its runs measured lab commit `%s`.", v.Commits[0])
	default:
		var cs []string
		for _, c := range v.Commits {
			cs = append(cs, "`"+short(c)+"`")
		}
		w("**Its runs measured %d lab commits, not one:** %s.", len(v.Commits), strings.Join(cs, ", "))
	}
	w("")
}

// stabilityView is one stability table as both reports draw it.
type stabilityView struct {
	Heading string   // how the runs were made: "20 runs, the machine quiet"
	Anchor  string   // the page's id for it
	Commits []string // the lab commits the runs measured
	Rows    []stabilityRow
}

func stabilityViews(tables []experiment.StabilityTable) []stabilityView {
	var vs []stabilityView
	for i, s := range tables {
		vs = append(vs, stabilityView{Heading: stabilityHeading(s), Anchor: fmt.Sprintf("stability-%d", i+1),
			Commits: s.Commits, Rows: stabilityRows(s)})
	}
	return vs
}

// stabilityHeading says how many runs a table sets side by side and what
// ran beside them: a lesson that holds on a quiet machine may not beside
// a busy neighbour.
func stabilityHeading(s experiment.StabilityTable) string {
	runs := fmt.Sprintf("%d runs", s.Runs)
	if s.Runs == 1 {
		runs = "1 run"
	}
	if s.Neighbour == "" {
		return runs + ", the machine quiet"
	}
	return runs + " beside a busy neighbour: " + s.Neighbour
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
	stabilities []experiment.StabilityTable
	// from is where the records drawn are when not beside the report: the
	// last of lastOf repeated runs.
	from   string
	lastOf int
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
	return func(x *extras) {
		WithStabilities(s)(x)
		x.from, x.lastOf = from, s.Runs
	}
}

// WithStabilities adds the tables to the Stability section, each under a
// heading of its own, after those added before: the stability of repeated
// runs whose records are not the ones drawn (made elsewhere, beside a
// neighbour).
func WithStabilities(tables ...experiment.StabilityTable) Option {
	return func(x *extras) { x.stabilities = append(x.stabilities, tables...) }
}
