package report

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/serverlab/serverlab/harness/experiment"
)

// writeFigure writes a figure as REPORT.md shows it, whatever view made
// it: a table as a table; a chart's panels as text, their spans as bars of
// characters, their lines as sparklines and their bars as a table of the
// values drawn. A folded figure is a <details> to open, and so is a chart
// of bars alone: its values are a table's, which text shows no better.
func writeFigure(b *strings.Builder, f experiment.Figure) {
	if f.Problem != "" {
		fmt.Fprintf(b, "%s could not be drawn: %s\n\n", f.Title, f.Problem)
		return
	}
	folded := f.Folded || onlyBars(f)
	switch {
	case folded:
		summary := f.Title
		if f.Desc != "" {
			summary += ": " + f.Desc
		}
		fmt.Fprintf(b, "<details><summary>%s</summary>\n\n", summary)
	default:
		if f.Title != "" {
			fmt.Fprintf(b, "**%s**\n\n", f.Title)
		}
		if f.Desc != "" {
			b.WriteString(f.Desc + "\n\n")
		}
	}
	if f.Table != nil {
		writeMarkdownTable(b, *f.Table)
	}
	for _, p := range f.Chart {
		writePanel(b, p)
	}
	if f.Note != "" {
		b.WriteString(f.Note + "\n\n")
	}
	if folded {
		b.WriteString("</details>\n\n")
	}
}

// onlyBars is true of a chart whose every panel is bars.
func onlyBars(f experiment.Figure) bool {
	for _, p := range f.Chart {
		if len(p.Bars) == 0 || len(p.Lines)+len(p.Spans) > 0 {
			return false
		}
	}
	return len(f.Chart) > 0
}

// writeMarkdownTable writes a Markdown table.
func writeMarkdownTable(b *strings.Builder, t experiment.Table) {
	b.WriteString("| " + strings.Join(t.Columns, " | ") + " |\n|" + strings.Repeat("---|", len(t.Columns)) + "\n")
	for _, row := range t.Rows {
		b.WriteString("|")
		for _, c := range row {
			b.WriteString(" " + markdownCell(c) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// markdownCell is a table's cell, escaped, set as it says.
func markdownCell(c experiment.Cell) string {
	s := cell(c.Text)
	switch {
	case c.Code:
		return "`" + s + "`"
	case c.Strong && s != "":
		return "**" + s + "**"
	}
	return s
}

// writePanel writes one panel of a chart as text.
func writePanel(b *strings.Builder, p experiment.Panel) {
	if p.Title != "" {
		fmt.Fprintf(b, "*%s*\n\n", p.Title)
	}
	if len(p.Spans) > 0 {
		writeSpans(b, p)
	}
	if len(p.Lines) > 0 {
		fmt.Fprintf(b, "%s, against %s, every line on one scale:\n\n```\n", p.Y.Label, p.X.Label)
		var all []experiment.XY
		width := 0
		for _, l := range p.Lines {
			all = append(all, l.Points...)
			width = max(width, utf8.RuneCountInString(l.Name))
		}
		for _, l := range p.Lines {
			b.WriteString(pad(l.Name, width) + " " + sparkline(l.Points, all, p.Y.Log))
		}
		for _, l := range p.Levels {
			fmt.Fprintf(b, "%s - - - at %s\n", pad(l.Name, width), experiment.Number(l.Y))
		}
		b.WriteString("```\n\n")
	}
	if len(p.Bars) > 0 {
		cols := []string{p.X.Label}
		for _, s := range p.Bars {
			cols = append(cols, s.Name+" ("+p.Y.Label+")")
		}
		t := experiment.Table{Columns: cols}
		for i, c := range p.X.Categories {
			row := []experiment.Cell{experiment.Text(c)}
			for _, s := range p.Bars {
				v := experiment.Value{}
				if i < len(s.Values) {
					v = s.Values[i]
				}
				row = append(row, experiment.Text(v.String()))
			}
			t.Rows = append(t.Rows, row)
		}
		writeMarkdownTable(b, t)
		for _, l := range p.Levels {
			fmt.Fprintf(b, "Read against %s: %s.\n\n", l.Name, experiment.Number(l.Y))
		}
	}
}

// phaseRunes draw the phases of spans, in order.
var phaseRunes = []rune("·─█")

// writeSpans draws each row of spans over 40 characters for the longest:
// a character per phase, then where each phase ended.
func writeSpans(b *strings.Builder, p experiment.Panel) {
	const width = 40
	longest := p.X.Max
	for _, row := range p.Spans {
		for _, s := range row {
			longest = math.Max(longest, s.To)
		}
	}
	var key []string
	for i, name := range p.Phases {
		key = append(key, fmt.Sprintf("`%c` %s", phaseRunes[i%len(phaseRunes)], name))
	}
	fmt.Fprintf(b, "%s, in seconds (%s):\n\n```\n", p.Y.Label, strings.Join(key, ", "))
	for i, row := range p.Spans {
		label := ""
		if i < len(p.Y.Categories) {
			label = p.Y.Categories[i]
		}
		var bar, ends strings.Builder
		at := 0
		for _, s := range row {
			r := phaseRunes[s.PhaseIndex(len(phaseRunes))]
			to := width
			if longest > 0 {
				to = int(math.Round(s.To / longest * width))
			}
			for ; at < to; at++ {
				bar.WriteRune(r)
			}
			fmt.Fprintf(&ends, " %c%.3f", r, s.To)
		}
		fmt.Fprintf(b, "%-10s %s %s\n", label, pad(bar.String(), width), strings.TrimSpace(ends.String()))
	}
	b.WriteString("```\n\n")
}

// sparkRunes are the eight heights of a sparkline.
var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// pad writes s on width characters, spaces after it.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}

// sparkline draws a line in one line of text: its values scaled
// from the lowest to the highest of the panel's (by their logarithm on a
// log axis), and its range in words.
func sparkline(ps, panel []experiment.XY, log bool) string {
	if len(ps) == 0 {
		return "(no points)\n"
	}
	scale := func(y float64) float64 {
		if log {
			return math.Log10(math.Max(y, 1e-9))
		}
		return y
	}
	lo, hi := scale(panel[0].Y), scale(panel[0].Y)
	for _, p := range panel {
		lo, hi = math.Min(lo, scale(p.Y)), math.Max(hi, scale(p.Y))
	}
	peak := ps[0].Y
	var b strings.Builder
	for _, p := range ps {
		peak = math.Max(peak, p.Y)
		i := 0
		if hi > lo {
			i = int((scale(p.Y) - lo) / (hi - lo) * float64(len(sparkRunes)-1))
		}
		b.WriteRune(sparkRunes[i])
	}
	n := significant
	return fmt.Sprintf("%s  %s → %s (peak %s), from %s to %s\n", b.String(), n(ps[0].Y), n(ps[len(ps)-1].Y),
		n(peak), n(ps[0].X), n(ps[len(ps)-1].X))
}

// significant writes x to three significant digits, and a large number
// whole: 1.8, 0.000412, 12346.
func significant(x float64) string {
	if x == 0 || math.Abs(x) >= 1000 {
		return experiment.Number(math.Round(x))
	}
	digits := 3 - int(math.Floor(math.Log10(math.Abs(x)))) - 1
	p := math.Pow(10, float64(digits))
	return experiment.Number(math.Round(x*p) / p)
}
