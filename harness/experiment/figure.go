package experiment

import (
	"math"
	"strconv"
	"strings"
)

// Figure is one figure of a record, computed once by a view (View.Figures)
// from the experiment's own metrics and timelines: a table, or a chart of
// panels side by side. It is plain data, and every renderer draws it as it
// is: the report's Markdown as text, its page as an HTML table or an SVG
// chart. No renderer knows which experiment or step a figure came from.
type Figure struct {
	Title string
	// Desc says in words what the figure shows: its caption, and the SVG's
	// <desc> for a reader who cannot see the chart.
	Desc  string
	Table *Table  // a table, or
	Chart []Panel // a chart: its panels, side by side
	// Note is said after the figure: how a column was reckoned.
	Note string
	// Folded tables are shown closed, to be opened: a case per row.
	Folded bool
	// Problem says why the view could not compute the figure (a bug in it,
	// or a record it cannot read): the figure is that sentence alone.
	Problem string
}

// Table is a figure's rows, one cell per column.
type Table struct {
	Columns []string
	Rows    [][]Cell
}

// Cell is one cell of a table: text, set as code (a log line) or strong
// (the limit that bound) where it says so.
type Cell struct {
	Text   string
	Code   bool
	Strong bool
}

// Text is a plain cell.
func Text(s string) Cell { return Cell{Text: s} }

// Code is a cell set as code: a log line, an argument.
func Code(s string) Cell { return Cell{Text: s, Code: true} }

// Panel is one plot of a chart: lines, grouped bars or spans over two
// axes, with the levels they are read against.
type Panel struct {
	Title string
	X, Y  Axis
	Lines []Line
	// Bars are grouped bars, a value per category of X.Categories.
	Bars []Bars
	// Spans are rows of phases, a row per category of Y.Categories, drawn
	// over X from each span's start to its end (a connection's handshake,
	// wait and reply), coloured by phase.
	Spans  [][]Span
	Phases []string // the names of the spans' phases, in order
	// Levels are dashed lines across the plot: a limit, a prediction.
	Levels []Level
}

// Axis is one axis of a panel.
type Axis struct {
	Label string
	Log   bool // a log scale
	// Categories name the groups of bars (on X) or the rows of spans (on
	// Y), in order.
	Categories []string
	// FromZero starts the axis at zero whatever the data: a CPU that is
	// idle is a flat 0, not a range of nothing.
	FromZero bool
	// Max, when above 0, ends the axis there whatever the data: the
	// figures of one record drawn to one scale.
	Max float64
}

// Line is one named series of points.
type Line struct {
	Name   string
	Points []XY
}

// XY is one point of a line.
type XY struct{ X, Y float64 }

// Bars is one series of grouped bars: a value per category.
type Bars struct {
	Name   string
	Values []Value
}

// Value is a measured number, or none (OK false) where the observations
// could not give one.
type Value struct {
	V  float64
	OK bool
}

// Level is a dashed horizontal line at Y, named in the legend.
type Level struct {
	Name string
	Y    float64
}

// Span is one phase of one row, from From to To on the X axis.
type Span struct {
	Phase    int // index into Panel.Phases
	From, To float64
}

// PhaseIndex is a span's phase as an index into n styles (runes, colours):
// Phase modulo n, never negative.
func (s Span) PhaseIndex(n int) int { return ((s.Phase % n) + n) % n }

// measured is m's value in t as a figure holds it: none where the
// observations cannot give it.
func measured(m Metric, t Trial) Value {
	v, err := m.Of(t)
	return Value{V: v, OK: err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)}
}

// String writes a value as figures do: no trailing zeros, no exponent, at
// most six decimals; "?" for none.
func (v Value) String() string {
	if !v.OK {
		return "?"
	}
	return Number(v.V)
}

// Number writes a number as figures do: 75, not 75.000000; 0.001, not 1e-03.
func Number(x float64) string {
	s := strconv.FormatFloat(x, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// points is a timeline's points, in seconds from its first sample.
func points(ps []Point) []XY {
	out := make([]XY, len(ps))
	for i, p := range ps {
		out[i] = XY{X: p.At.Seconds(), Y: p.Value}
	}
	return out
}
