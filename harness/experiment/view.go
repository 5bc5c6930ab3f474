package experiment

import (
	"fmt"
	"slices"
	"sort"

	"github.com/serverlab/serverlab/harness/agent"
)

// View is a figure of an experiment's observations, declared with the
// experiment over the metrics its checks judge and the steps it reads:
// Figures computes it, once, into plain figures that the report renders
// generically, as Markdown text and as HTML tables and SVG charts. The
// report keys no figure by an experiment's name or a step's label. An
// experiment without views has its checks, its trials and its samples
// drawn only.
type View interface {
	Figures(r Record) []Figure
}

// stepReader is a view that reads steps of the arms (through its metrics,
// or itself): Validate finds each in every arm before any container starts,
// as it does a check's.
type stepReader interface{ reads() []stepRef }

// FiguresOf computes every figure of a record's views. A record keeps its
// experiment's data, and its views are drawn as the suite declares them
// now (none for an experiment it no longer has). A view that fails (a bug
// in it, or a record it cannot read) gives a figure that says why, and the
// others stand.
func FiguresOf(r Record) []Figure {
	e, err := Lookup(r.Experiment.Name)
	if err != nil {
		return nil
	}
	var out []Figure
	for _, v := range e.Views {
		out = append(out, viewFigures(v, r)...)
	}
	return out
}

// viewFigures is v's figures of r, or one that says why there are none.
func viewFigures(v View, r Record) (out []Figure) {
	defer func() {
		if p := recover(); p != nil {
			out = []Figure{{Title: fmt.Sprintf("A figure of %T", v), Problem: fmt.Sprint(p)}}
		}
	}()
	return v.Figures(r)
}

// trialName names a trial in a figure: its arm, and its number when the
// experiment runs more than one.
func trialName(r Record, t Trial) string {
	if r.Experiment.Trials > 1 {
		return fmt.Sprintf("%s #%d", t.Arm, t.Trial)
	}
	return t.Arm
}

// allSteps gathers the steps each of xs reads.
func allSteps[T any](xs []T, steps func(T) []stepRef) []stepRef {
	var out []stepRef
	for _, x := range xs {
		out = append(out, steps(x)...)
	}
	return out
}

// trialsLabel is the label of a figure's trials: the view's, else "arm",
// or "arm and trial" when the experiment runs several.
func trialsLabel(label string, r Record) string {
	switch {
	case label != "":
		return label
	case r.Experiment.Trials > 1:
		return "arm and trial"
	}
	return "arm"
}

// Column is one column of a TrialTable: its header, and its cell in a trial.
type Column struct {
	Header string
	Cell   func(Trial) Cell
	steps  []stepRef // the steps it reads
	// predicted, when set, makes the cell the value the record's check on
	// this metric predicts (Predicted).
	predicted *Metric
}

// cell is c's cell in trial t of record r.
func (c Column) cell(r Record, t Trial) Cell {
	if c.predicted != nil {
		return Text(predictedValue(r, t, *c.predicted).String())
	}
	return c.Cell(t)
}

// predictedValue is the value r's check on m in t's arm holds it to, or
// none.
func predictedValue(r Record, t Trial, m Metric) Value {
	for _, c := range r.Experiment.Checks {
		if c.Arm == t.Arm && c.Metric.String() == m.String() {
			return Value{V: c.Value, OK: true}
		}
	}
	return Value{}
}

// Col is a column of a metric's value, "?" where the trial cannot give it.
func Col(header string, m Metric) Column {
	return Column{Header: header, Cell: func(t Trial) Cell { return Text(measured(m, t).String()) }, steps: m.reads}
}

// StepCol is a column that reads the steps at itself, through cell.
func StepCol(header string, at []Step, cell func(Trial) Cell) Column {
	c := Column{Header: header, Cell: cell}
	for _, s := range at {
		c.steps = append(c.steps, stepRef{s.Kind, s.Label})
	}
	return c
}

// Predicted is a column of the value the record's own check on m, in the
// trial's arm, holds it to: a figure sets what was measured beside what
// was predicted, as that record's checks predicted it.
func Predicted(header string, m Metric) Column {
	c := Col(header, m)
	c.Cell, c.predicted = nil, &m
	return c
}

// ArgCol is a column of the value after flag in the trial's arguments.
func ArgCol(header, flag string) Column {
	return Column{Header: header, Cell: func(t Trial) Cell {
		if v := flagValue(t.Args, flag); v != "" {
			return Text(v)
		}
		return Text("?")
	}}
}

// ProbeCol is a column of what the probe at saw of the server (fn of its
// process), "?" where it did not see it.
func ProbeCol(header string, at Step, fn func(agent.Process) string) Column {
	return StepCol(header, []Step{at}, func(t Trial) Cell {
		for _, s := range t.Steps {
			if s.Label == at.Label && s.Probe != nil {
				if srv, ok := s.Probe.Server(t.Comm); ok {
					return Text(fn(srv))
				}
			}
		}
		return Text("?")
	})
}

// ColIn is a column of a metric's value to one decimal, in unit.
func ColIn(header string, m Metric, unit string) Column {
	c := Col(header, m)
	c.Cell = func(t Trial) Cell {
		v := measured(m, t)
		if !v.OK {
			return Text("?")
		}
		return Text(fmt.Sprintf("%.1f %s", v.V, unit))
	}
	return c
}

// YesNo is a column of a metric that is 1 or 0.
func YesNo(header string, m Metric) Column {
	c := Col(header, m)
	c.Cell = func(t Trial) Cell {
		switch v := measured(m, t); {
		case !v.OK:
			return Text("?")
		case v.V == 1:
			return Text("yes")
		case v.V == 0:
			return Text("no")
		default:
			return Text(v.String())
		}
	}
	return c
}

// LastLineCol is the server's own last log line.
func LastLineCol() Column {
	return Column{Header: "last log line", Cell: func(t Trial) Cell {
		last, _ := LastLine(t)
		return Code(last)
	}}
}

// EndCol says how the specimen ended: running, or its exit status.
func EndCol() Column {
	return Column{Header: "specimen at end", Cell: func(t Trial) Cell {
		if t.Exit.Running {
			return Text("running")
		}
		return Text(fmt.Sprintf("exited %d", t.Exit.ExitCode))
	}}
}

// TrialTable is a table of a row per trial: its name under By ("arm"
// unless set), then the columns.
type TrialTable struct {
	Title, Desc, Note string
	By                string
	Columns           []Column
}

func (v TrialTable) reads() []stepRef {
	return allSteps(v.Columns, func(c Column) []stepRef { return c.steps })
}

func (v TrialTable) Figures(r Record) []Figure {
	tab := &Table{Columns: []string{trialsLabel(v.By, r)}}
	for _, c := range v.Columns {
		tab.Columns = append(tab.Columns, c.Header)
	}
	for _, t := range r.Trials {
		row := []Cell{Text(trialName(r, t))}
		for _, c := range v.Columns {
			row = append(row, c.cell(r, t))
		}
		tab.Rows = append(tab.Rows, row)
	}
	return []Figure{{Title: v.Title, Desc: v.Desc, Note: v.Note, Table: tab}}
}

// Bar is one series of a TrialBars: its name, and its value in a trial.
type Bar struct {
	Name      string
	Of        func(Trial) Value
	steps     []stepRef // the steps it reads
	predicted *Metric   // see Column
}

// BarOf is a series of a metric's values.
func BarOf(name string, m Metric) Bar {
	return Bar{Name: name, Of: func(t Trial) Value { return measured(m, t) }, steps: m.reads}
}

// PredictedBar is a series of the values the record's checks on m predict.
func PredictedBar(name string, m Metric) Bar {
	b := BarOf(name, m)
	b.Of, b.predicted = nil, &m
	return b
}

// value is b's value in trial t of record r.
func (b Bar) value(r Record, t Trial) Value {
	if b.predicted != nil {
		return predictedValue(r, t, *b.predicted)
	}
	return b.Of(t)
}

// TrialBars is a chart of grouped bars, a group per trial, a bar per series.
type TrialBars struct {
	Title, Desc string
	X, Y        string // the axes' labels; X names the trials ("arm" unless set)
	Bars        []Bar
}

func (v TrialBars) reads() []stepRef {
	return allSteps(v.Bars, func(b Bar) []stepRef { return b.steps })
}

func (v TrialBars) Figures(r Record) []Figure {
	if len(r.Trials) == 0 {
		return nil
	}
	p := Panel{X: Axis{Label: trialsLabel(v.X, r)}, Y: Axis{Label: v.Y}}
	for _, t := range r.Trials {
		p.X.Categories = append(p.X.Categories, trialName(r, t))
	}
	for _, b := range v.Bars {
		s := Bars{Name: b.Name}
		for _, t := range r.Trials {
			s.Values = append(s.Values, b.value(r, t))
		}
		p.Bars = append(p.Bars, s)
	}
	return []Figure{{Title: v.Title, Desc: v.Desc, Chart: []Panel{p}}}
}

// TrialLines is a chart of one timeline of the samples (a Series*), a line
// per trial, against the levels each trial is read against.
type TrialLines struct {
	Title, Desc string
	Series      string
	Y           string
	// Sampled ends the title with how often the record's trials were
	// sampled: ", sampled every 100ms".
	Sampled bool
	// Name names a trial's line (its arm, and its number among several,
	// unless set).
	Name func(Record, Trial) string
	// Level is the level a trial's line is read against, if any: the
	// levels of every trial are drawn, each once.
	Level func(Trial) (Level, bool)
}

func (v TrialLines) Figures(r Record) []Figure {
	p := Panel{X: Axis{Label: "seconds from the first sample"}, Y: Axis{Label: v.Y}}
	n := 0
	for _, t := range r.Trials {
		name := trialName(r, t)
		if v.Name != nil {
			name = v.Name(r, t)
		}
		pts := points(Timeline(t, v.Series))
		n += len(pts)
		p.Lines = append(p.Lines, Line{Name: name, Points: pts})
		if v.Level == nil {
			continue
		}
		if l, ok := v.Level(t); ok && !slices.ContainsFunc(p.Levels, func(x Level) bool { return x.Y == l.Y }) {
			p.Levels = append(p.Levels, l)
		}
	}
	if n == 0 {
		return nil
	}
	title := v.Title
	if v.Sampled {
		title += ", sampled every " + r.SampleEvery()
	}
	return []Figure{{Title: title, Desc: v.Desc, Chart: []Panel{p}}}
}

// The phases of a connection, as ConnectionPhases draws them.
var connectionPhases = []string{"until the handshake", "connected, waiting", "first byte to end"}

// ConnectionPhases draws, per trial, every connection from its start: until its
// handshake, connected and waiting for the reply, then from its first byte
// to its end (EOF, or the client's timeout). An iterative server answers
// the k-th client at (k-1)*D and closes at k*D: a staircase.
type ConnectionPhases struct{}

func (ConnectionPhases) Figures(r Record) []Figure {
	// Every trial on one scale: the staircase beside the all-at-once.
	longest := 0.0
	for _, t := range r.Trials {
		if ds := DoneTimes(t); len(ds) > 0 {
			longest = max(longest, ds[len(ds)-1].Seconds())
		}
	}
	var out []Figure
	for _, t := range r.Trials {
		rs := Results(t)
		if len(rs) == 0 {
			continue
		}
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Done < rs[j].Done })
		p := Panel{X: Axis{Label: "seconds from the connection's start", FromZero: true, Max: longest},
			Y: Axis{Label: "connections, by when they ended"}, Phases: connectionPhases}
		for i, c := range rs {
			p.Y.Categories = append(p.Y.Categories, fmt.Sprintf("client %d", i+1))
			connect, first := c.Connect, c.FirstByte
			if connect == 0 {
				connect = c.Done
			}
			if first == 0 {
				first = c.Done
			}
			var row []Span
			for phase, s := range [][2]float64{{0, connect.Seconds()}, {connect.Seconds(), first.Seconds()}, {first.Seconds(), c.Done.Seconds()}} {
				if s[1] > s[0] {
					row = append(row, Span{Phase: phase, From: s[0], To: s[1]})
				}
			}
			p.Spans = append(p.Spans, row)
		}
		name := trialName(r, t)
		out = append(out, Figure{Title: name + ": each connection, from its start", Chart: []Panel{p},
			Desc: fmt.Sprintf("%d connections of %s, ordered by when they ended, each drawn from its start to its handshake, its first byte and its end; the last ended %.2f s in.",
				len(rs), name, rs[len(rs)-1].Done.Seconds())})
	}
	return out
}

// ConnectionTimes draws how long each connection of a client step took,
// in the order sent, a line per trial, on a log scale: a microsecond apart
// from seconds.
type ConnectionTimes struct {
	Title, Desc string
	Of          Step
}

func (v ConnectionTimes) reads() []stepRef { return []stepRef{{StepClient, v.Of.Label}} }

func (v ConnectionTimes) Figures(r Record) []Figure {
	p := Panel{X: Axis{Label: "connection, in the order sent"}, Y: Axis{Label: "seconds until it ended (log)", Log: true}}
	n := 0
	for _, t := range r.Trials {
		rs := Results(OfStep(t, v.Of.Label))
		sort.SliceStable(rs, func(a, b int) bool { return rs[a].Start.Before(rs[b].Start) })
		var pts []XY
		for k, c := range rs {
			// A log axis has no zero: an instant reply is drawn at 10 µs.
			pts = append(pts, XY{X: float64(k + 1), Y: max(c.Done.Seconds(), 1e-5)})
		}
		n += len(pts)
		p.Lines = append(p.Lines, Line{Name: trialName(r, t), Points: pts})
	}
	if n == 0 {
		return nil
	}
	return []Figure{{Title: v.Title, Desc: v.Desc, Chart: []Panel{p}}}
}
