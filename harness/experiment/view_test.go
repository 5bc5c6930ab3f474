package experiment

import (
	"slices"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/agent"
)

// TestFiguresOfReference: every view of the suite computes its figures from
// the reference run's record, whole: each table row a cell per column, each
// series of bars a value per category, each row of spans a category; a
// record of no trials gives no chart.
func TestFiguresOfReference(t *testing.T) {
	for _, e := range Suite() {
		t.Run(e.Name, func(t *testing.T) {
			r := readRecord(t, e.Name)
			figs := FiguresOf(r)
			if len(e.Views) > 0 && len(figs) == 0 {
				t.Fatalf("got no figure from %d views", len(e.Views))
			}
			for _, f := range figs {
				if (f.Table == nil) == (len(f.Chart) == 0) {
					t.Errorf("%q: got table %v and %d panels, want one or the other", f.Title, f.Table != nil, len(f.Chart))
				}
				if f.Table != nil {
					for i, row := range f.Table.Rows {
						if len(row) != len(f.Table.Columns) {
							t.Errorf("%q row %d: got %d cells, want %d", f.Title, i, len(row), len(f.Table.Columns))
						}
					}
				}
				for _, p := range f.Chart {
					for _, b := range p.Bars {
						if len(b.Values) != len(p.X.Categories) {
							t.Errorf("%q: bars %q have %d values for %d categories", f.Title, b.Name, len(b.Values), len(p.X.Categories))
						}
					}
					if len(p.Spans) > 0 && len(p.Spans) != len(p.Y.Categories) {
						t.Errorf("%q: %d rows of spans for %d categories", f.Title, len(p.Spans), len(p.Y.Categories))
					}
				}
			}
			empty := r
			empty.Trials = nil
			for _, f := range FiguresOf(empty) {
				if len(f.Chart) > 0 {
					t.Errorf("without trials: got chart %q", f.Title)
				}
			}
		})
	}
}

// TestFiguresShowWhatChecksJudge: a figure's numbers are the metrics' own.
func TestFiguresShowWhatChecksJudge(t *testing.T) {
	r := readRecord(t, "zombies")
	var table *Table
	for _, f := range FiguresOf(r) {
		if f.Table != nil {
			table = f.Table
		}
	}
	if table == nil {
		t.Fatal("got no table")
	}
	col := -1
	for i, c := range table.Columns {
		if c == "zombies in /proc" {
			col = i
		}
	}
	for i, tr := range r.Trials {
		if got, want := table.Rows[i][col].Text, measured(Zombies(), tr).String(); col < 0 || got != want {
			t.Errorf("%s: got %q zombies in the table, want the metric's %q", tr.Arm, got, want)
		}
	}
	// The staircase: 3b's k-th connection ends near k seconds.
	for _, f := range FiguresOf(readRecord(t, "head-of-line")) {
		if !strings.HasPrefix(f.Title, "3b:") {
			continue
		}
		spans := f.Chart[0].Spans
		for k, row := range spans {
			if end := row[len(row)-1].To; end < float64(k+1)-0.25 || end > float64(k+1)+0.25 {
				t.Errorf("3b client %d: got its end at %.2f s, want within D/4 of %d s", k+1, end, k+1)
			}
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{75, "75"},        // no decimals for a whole number
		{2.5, "2.5"},      // no trailing zeros
		{0.001, "0.001"},  // no exponent
		{1e6, "1000000"},  // nor for a large one
		{-0.0000001, "0"}, // no negative zero
	}
	for _, tt := range tests {
		if got := Number(tt.in); got != tt.want {
			t.Errorf("Number(%g): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestValidateFindsViewSteps: a figure that reads a step an arm does not
// take fails Validate, as a check does, before any container starts.
func TestValidateFindsViewSteps(t *testing.T) {
	for name, v := range map[string]View{
		"table":            TrialTable{Columns: []Column{Col("live children", LiveChildren(probe("during the wait")))}},
		"probe column":     TrialTable{Columns: []Column{ProbeCol("fds", probe("during the wait"), func(agent.Process) string { return "" })}},
		"bars":             TrialBars{Bars: []Bar{BarOf("threads", Threads(probe("during the wait")))}},
		"connection times": ConnectionTimes{Of: Step{Kind: StepClient, Label: "during the wait"}},
		"step column":      TrialTable{Columns: []Column{StepCol("x", []Step{probe("during the wait")}, func(Trial) Cell { return Cell{} })}},
	} {
		e := clientHang()
		e.Views = append(e.Views, v)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), `step "during the wait"`) {
			t.Errorf("%s: got %v, want the missing step named", name, err)
		}
	}
}

// panics is a view with a bug in it.
type panics struct{}

func (panics) Figures(Record) []Figure { panic("a bug") }

// TestViewThatPanics: a view that fails gives one figure that says why;
// the figures of the views beside it stand.
func TestViewThatPanics(t *testing.T) {
	r := readRecord(t, "zombies")
	figs := viewFigures(panics{}, r)
	if len(figs) != 1 || figs[0].Problem != "a bug" {
		t.Errorf("got %+v, want one figure with the problem", figs)
	}
}

// TestPredictedFromTheRecord: a figure sets the measured value beside the
// one the record's own check predicted, not the suite's of today.
func TestPredictedFromTheRecord(t *testing.T) {
	r := readRecord(t, "backlog")
	for i := range r.Experiment.Checks {
		if r.Experiment.Checks[i].Arm == "backlog-5" && r.Experiment.Checks[i].Metric.Name == "connected_within" {
			r.Experiment.Checks[i].Value = 99
		}
	}
	tab := FiguresOf(r)[0].Table
	col := slices.Index(tab.Columns, "predicted (backlog + 2)")
	for _, row := range tab.Rows {
		want := map[string]string{"backlog-0": "2", "backlog-1": "3", "backlog-5": "99", "backlog-128": "130"}[row[0].Text]
		if col < 0 || row[col].Text != want {
			t.Errorf("%s: got predicted %v, want %s", row[0].Text, row, want)
		}
	}
}

// TestHostileAnswersAlign: a case answered twice in a trial keeps one cell,
// its last, so that every column stays under its specimen.
func TestHostileAnswersAlign(t *testing.T) {
	r := readRecord(t, "robustness")
	tr := &r.Trials[0]
	for i := range tr.Steps {
		if len(tr.Steps[i].Hostile) > 0 {
			tr.Steps[i].Hostile = append(tr.Steps[i].Hostile, tr.Steps[i].Hostile[0])
		}
	}
	every := FiguresOf(r)[1].Table
	for i, row := range every.Rows {
		if len(row) != len(every.Columns) {
			t.Errorf("row %d (%s): %d cells under %d columns", i, row[0].Text, len(row), len(every.Columns))
		}
	}
}
