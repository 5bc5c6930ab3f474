package report

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
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
// lays out a figure the experiment's views computed (drawFigure).
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

// plainTicks are gonum's default ticks, labelled as figures write numbers
// (experiment.Number): 75, not 75.00.
type plainTicks struct{}

func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = experiment.Number(ts[i].Value)
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

// drawFigure lays a figure's chart out: each of its panels a plot, its
// lines, bars, spans and levels drawn as they are. A figure of one panel
// has its title in the plot; one of several has it above them. Small
// figures are the small multiples of a trial's CPU and memory.
func drawFigure(f experiment.Figure, small bool) chart {
	c := chart{title: f.Title, desc: f.Desc}
	for _, fp := range f.Chart {
		p := newPanel(fp.Title, fp.X.Label, fp.Y.Label)
		if fp.Y.Log {
			p.plot.Y.Scale, p.plot.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		}
		for i, l := range fp.Lines {
			xys := make(plotter.XYs, len(l.Points))
			for k, pt := range l.Points {
				xys[k] = plotter.XY{X: pt.X, Y: pt.Y}
			}
			p.line(l.Name, i, xys)
		}
		if len(fp.Bars) > 0 {
			p.bars(fp.X.Categories, fp.Bars)
		}
		if len(fp.Spans) > 0 {
			p.spans(fp.Y.Categories, fp.Spans, fp.Phases)
		}
		for _, l := range fp.Levels {
			p.level(l.Name, l.Y)
		}
		if fp.X.FromZero {
			p.plot.X.Min, p.plot.X.Max = 0, math.Max(p.plot.X.Max, 1)
		}
		if fp.X.Max > 0 { // the record's scale, shared by its figures
			p.plot.X.Max = math.Max(p.plot.X.Max, fp.X.Max*1.02)
		}
		if fp.Y.FromZero {
			p.plot.Y.Min, p.plot.Y.Max = 0, math.Max(p.plot.Y.Max, 1)
		}
		c.panels = append(c.panels, p)
	}
	if len(c.panels) == 1 {
		c.panels[0].plot.Title.Text = f.Title
	}
	switch {
	case small:
		c.width, c.height = smallWidth, smallHeight
		if len(c.panels) == 1 {
			c.width = smallWidth / 2
		}
	case len(f.Chart) == 1 && len(f.Chart[0].Spans) > 0:
		// A row per connection, the rows as thick as they are many.
		rows := len(f.Chart[0].Spans)
		c.width, c.height = chartWidth, chartHeight*0.75 // room for a row between title and axis
		if rows > 3 {
			c.height = chartHeight * vg.Length(0.4+0.1*float64(min(rows, 16)))
		}
	}
	return c
}

// bars draws grouped bars: one group per category, one bar per series,
// each with its value written above it ("?" where it has none).
func (p *panel) bars(categories []string, series []experiment.Bars) {
	group := vg.Points(math.Min(96, 360/float64(max(1, len(categories)))))
	width := group / vg.Length(max(1, len(series)))
	for i, s := range series {
		vs := make(plotter.Values, len(categories))
		labels := make([]string, len(categories))
		for j := range categories {
			labels[j] = "?"
			if j < len(s.Values) && s.Values[j].OK {
				vs[j], labels[j] = s.Values[j].V, experiment.Number(math.Round(s.Values[j].V*10)/10)
			}
		}
		b, err := plotter.NewBarChart(vs, width)
		if err != nil {
			continue
		}
		b.Color, b.LineStyle.Width = colour(i), 0
		b.Offset = width*vg.Length(i) - group/2 + width/2
		p.plot.Add(b)
		p.key(s.Name, b)
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
}

// phaseColours colour the phases of spans, in order: the handshake grey,
// the wait orange, the reply blue.
var phaseColours = []color.Color{
	color.RGBA{200, 200, 200, 255},
	color.RGBA{230, 159, 0, 255},
	color.RGBA{0, 114, 178, 255},
}

// spans draws a row per category, each span of it a thick line from its
// start to its end, coloured by phase, the phases named in the legend.
func (p *panel) spans(rows []string, spans [][]experiment.Span, phases []string) {
	longest := 0.0
	for y, row := range spans {
		for _, s := range row {
			longest = math.Max(longest, s.To)
			if l, err := segment(s.From, s.To, float64(y), phaseColours[s.PhaseIndex(len(phaseColours))]); err == nil {
				p.plot.Add(l)
			}
		}
	}
	p.plot.NominalY(rows...)
	p.plot.Y.Min, p.plot.Y.Max = -0.7, float64(len(rows))-0.3
	p.plot.X.Min, p.plot.X.Max = 0, longest*1.02
	for i, name := range phases {
		p.key(name, swatch{phaseColours[i%len(phaseColours)]})
	}
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
