package report

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/serverlab/serverlab/harness/experiment"
)

// chart is one figure of the HTML report: one or more panels side by side,
// each a gonum plot with its legend beside it, drawn to SVG. A chart only
// lays out what a chart function measured with the experiment package.
type chart struct {
	title string // drawn above the panels, and the SVG's <title>
	// desc says in words what the chart shows: the SVG's <desc>, for a
	// reader who cannot see it.
	desc   string
	panels []panel
	// width and height are the whole chart's; 0 takes the defaults.
	width, height vg.Length
}

// panel is one plot and the legend drawn to its right.
type panel struct {
	plot   *plot.Plot
	legend plot.Legend
	keys   int // entries in legend
}

// The sizes of charts: a figure behind a verdict, and one of the small
// multiples of a trial's CPU and memory.
const (
	chartWidth  = 8.6 * vg.Inch
	chartHeight = 3.2 * vg.Inch
	smallWidth  = 8.6 * vg.Inch
	smallHeight = 2.2 * vg.Inch
)

// sans is the face of every text of a chart: Liberation Sans, which gonum
// carries, so that laying a chart out needs no font from the system.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// sansFamily is what the SVG names for a browser that has no Liberation
// Sans: Arial has the same metrics, so the text still fits where gonum
// laid it out; gonum itself names no fallback, and a browser's default is
// a serif.
const sansFamily = `font-family:'Liberation Sans',Arial,Helvetica,sans-serif;`

// palette holds colours that stay apart for colour-blind readers
// (Okabe and Ito), in the order series take them.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // bluish green
	color.RGBA{204, 121, 167, 255}, // reddish purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{120, 120, 120, 255}, // grey
	color.RGBA{0, 0, 0, 255},       // black
}

func colour(i int) color.Color { return palette[i%len(palette)] }

// shapes mark the points of the i-th line, so that lines that run
// together can still be told apart.
var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{},
	draw.RingGlyph{}, draw.PlusGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}

func shape(i int) draw.GlyphDrawer { return shapes[i%len(shapes)] }

// plainNumber writes a value as a chart's labels do: no trailing zeros, no
// exponent, at most six decimals.
func plainNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// plainTicks are gonum's default ticks, labelled with plainNumber: 75, not 75.00.
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = plainNumber(ts[i].Value)
		}
	}
	return ts
}

// newPanel is a plot titled title with labelled axes, in sans, over a
// light grid.
func newPanel(title, xLabel, yLabel string) panel {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = plainTicks{}, plainTicks{}
	for _, s := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label} {
		s.Font = font.From(sans, s.Font.Size)
	}
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.X.Label.TextStyle.Font.Size, p.Y.Label.TextStyle.Font.Size = vg.Points(10), vg.Points(10)
	p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = vg.Points(9), vg.Points(9)
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = color.Gray{Y: 225}, color.Gray{Y: 225}
	p.Add(grid)
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, vg.Points(9))
	l.Top, l.Left = true, true
	l.Padding = vg.Points(3)
	return panel{plot: p, legend: l}
}

// key adds an entry to the panel's legend.
func (p *panel) key(name string, thumbs ...plot.Thumbnailer) {
	p.legend.Add(name, thumbs...)
	p.keys++
}

// line draws xys as the i-th line, named name in the legend, its points
// marked when they are few enough to tell apart.
func (p *panel) line(name string, i int, xys plotter.XYs) {
	if len(xys) == 0 {
		return
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return // a NaN or an infinity: nothing a chart can place
	}
	l.LineStyle.Color, l.LineStyle.Width = colour(i), vg.Points(1.5)
	p.plot.Add(l)
	thumbs := []plot.Thumbnailer{l}
	if len(xys) <= 40 {
		s, _ := plotter.NewScatter(xys)
		s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = colour(i), vg.Points(2.2), shape(i)
		p.plot.Add(s)
		thumbs = append(thumbs, s)
	}
	p.key(name, thumbs...)
}

// level draws a dashed horizontal line at y across the plot: a limit or a
// prediction the data is read against.
func (p *panel) level(name string, y float64) {
	f := plotter.NewFunction(func(float64) float64 { return y })
	f.LineStyle.Color, f.LineStyle.Width = color.Gray{Y: 90}, vg.Points(1)
	f.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.plot.Add(f)
	p.plot.Y.Max = math.Max(p.plot.Y.Max, y*1.05)
	p.plot.Y.Min = math.Min(p.plot.Y.Min, y)
	p.key(name, f)
}

// single is a chart of one panel, which carries its title.
func single(title, desc string, p panel) chart {
	p.plot.Title.Text = title
	return chart{title: title, desc: desc, panels: []panel{p}}
}

// trialName names a trial in a legend: its arm, and its number when the
// experiment runs more than one.
func trialName(r experiment.Record, t experiment.Trial) string {
	if r.Experiment.Trials > 1 {
		return fmt.Sprintf("%s #%d", t.Arm, t.Trial)
	}
	return t.Arm
}

// trialSuffix is " #n" for a trial of an experiment that runs several.
func trialSuffix(r experiment.Record, t experiment.Trial) string {
	if r.Experiment.Trials > 1 {
		return fmt.Sprintf(" #%d", t.Trial)
	}
	return ""
}

// measurement is m's value in t, with false where the observations cannot
// give it.
func measurement(m experiment.Metric, t experiment.Trial) (float64, bool) {
	v, err := m.Of(t)
	return v, err == nil
}

// timelineXYs is a timeline's points, in seconds from its first sample.
func timelineXYs(ps []experiment.Point) plotter.XYs {
	xys := make(plotter.XYs, len(ps))
	for i, pt := range ps {
		xys[i] = plotter.XY{X: pt.At.Seconds(), Y: pt.Value}
	}
	return xys
}

// bars is one series of a bar chart: a value per category, ok false where
// the metric could not give one.
type bars struct {
	name   string
	values []float64
	ok     []bool
}

// add appends one category's value.
func (b *bars) add(v float64, ok bool) {
	b.values, b.ok = append(b.values, v), append(b.ok, ok)
}

// barPanel draws grouped bars: one group per category, one bar per series,
// each with its value written above it ("?" where it has none).
func barPanel(xLabel, yLabel string, categories []string, series []bars) panel {
	p := newPanel("", xLabel, yLabel)
	group := vg.Points(math.Min(96, 360/float64(max(1, len(categories)))))
	width := group / vg.Length(max(1, len(series)))
	for i, s := range series {
		vs := make(plotter.Values, len(categories))
		labels := make([]string, len(categories))
		for j := range categories {
			labels[j] = "?"
			if j < len(s.values) && j < len(s.ok) && s.ok[j] && !math.IsNaN(s.values[j]) && !math.IsInf(s.values[j], 0) {
				vs[j], labels[j] = s.values[j], plainNumber(math.Round(s.values[j]*10)/10)
			}
		}
		b, err := plotter.NewBarChart(vs, width)
		if err != nil {
			continue
		}
		b.Color, b.LineStyle.Width = colour(i), 0
		b.Offset = width*vg.Length(i) - group/2 + width/2
		p.plot.Add(b)
		p.key(s.name, b)
		xys := make(plotter.XYs, len(vs))
		for j, v := range vs {
			xys[j] = plotter.XY{X: float64(j), Y: v}
		}
		if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels}); err == nil {
			for k := range l.TextStyle {
				l.TextStyle[k].Font = font.From(sans, vg.Points(7))
				l.TextStyle[k].XAlign = draw.XCenter
			}
			l.Offset = vg.Point{X: b.Offset, Y: vg.Points(2)}
			p.plot.Add(l)
		}
	}
	p.plot.NominalX(categories...)
	p.plot.X.Tick.Label.Font.Size = vg.Points(8)
	p.plot.X.Min, p.plot.X.Max = -0.5, float64(len(categories))-0.5
	p.plot.Y.Min = math.Min(p.plot.Y.Min, 0)
	return p
}

// swatch is a legend's filled square, for series drawn by hand.
type swatch struct{ color color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.SetColor(s.color)
	c.Fill(c.Rectangle.Path())
}

// segment is a thick horizontal line from x0 to x1 at y: one phase of one
// connection.
func segment(x0, x1, y float64, c color.Color) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return nil, err
	}
	l.LineStyle.Color, l.LineStyle.Width = c, vg.Points(7)
	return l, nil
}

// svg draws the chart: its title, then its panels side by side, each with
// its legend to its right. The markup is gonum's, without the XML prolog an
// inline <svg> must not have, with a <title> and a <desc> for id.
func (c chart) svg(id string) string {
	w, h := c.width, c.height
	if w == 0 {
		w, h = chartWidth, chartHeight
	}
	cv := vgsvg.New(w, h)
	dc := draw.New(cv)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	area := dc
	if len(c.panels) > 1 {
		// One title over every panel; each panel keeps its own.
		sty := text.Style{Color: color.Black, Font: font.From(sans, vg.Points(11)), XAlign: draw.XCenter,
			YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
		dc.FillText(sty, vg.Point{X: dc.Center().X, Y: dc.Max.Y - vg.Points(2)}, c.title)
		area = draw.Crop(dc, 0, 0, 0, -sty.Rectangle(c.title).Size().Y-vg.Points(6))
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(c.panels), PadX: vg.Points(12), PadTop: vg.Points(4), PadBottom: vg.Points(2),
		PadLeft: vg.Points(2), PadRight: vg.Points(4)}
	for i, p := range c.panels {
		tile := tiles.At(area, i, 0)
		if p.keys > 0 {
			r := p.legend.Rectangle(tile)
			lw := r.Size().X + vg.Points(10)
			legend := draw.Crop(tile, tile.Size().X-lw+vg.Points(8), 0, 0, -vg.Points(24))
			p.legend.Draw(legend)
			tile = draw.Crop(tile, 0, -lw, 0, 0)
		}
		p.plot.Draw(tile)
	}
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return "" // a bytes.Buffer takes every write
	}
	out := strings.ReplaceAll(b.String(), "font-family:Liberation Sans;", sansFamily)
	if i := strings.Index(out, "<svg"); i >= 0 {
		out = out[i:]
	}
	head := fmt.Sprintf(`<svg class="plot" role="img" aria-labelledby="%[1]s-title %[1]s-desc"`, id)
	out = strings.Replace(out, "<svg", head, 1)
	if i := strings.Index(out, ">"); i >= 0 {
		out = out[:i+1] + fmt.Sprintf("\n<title id=\"%s-title\">%s</title><desc id=\"%s-desc\">%s</desc>",
			id, html.EscapeString(c.title), id, html.EscapeString(c.desc)) + out[i+1:]
	}
	return out
}
