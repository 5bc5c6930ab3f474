package report

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
)

// HTML renders results/index.html from records alone: what REPORT.md says
// (the environments, the verdicts, and per experiment the article's words
// and the lab's prediction, each labelled as such, the mechanism, the
// departures and the checks with their measured values), with the figures
// drawn as SVG charts, and every sampled trial's CPU and memory. With a
// reference, it sets the run beside it; options add what the records alone
// cannot say (WithStability, WithStabilities). The page is one file that needs
// nothing from elsewhere: its stylesheet, its charts and its scripts are
// inline, so it opens offline from disk. The same records give the same
// bytes.
func HTML(recs []experiment.Record, reference []experiment.Record, opts ...Option) []byte {
	p := newPage(recs, reference)
	if x := newExtras(opts); len(x.stabilities) > 0 {
		p.Stability = &htmlStability{LastOf: x.lastOf, From: x.from, Tables: stabilityViews(x.stabilities)}
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		// The template is fixed and its data plain: an error is a bug here.
		panic(fmt.Sprintf("report: render HTML: %v", err))
	}
	return b.Bytes()
}

// htmlPage is what the template draws: every value worked out beforehand,
// from the records and the experiment package's functions.
type htmlPage struct {
	Records      int
	Commits      []labCommit // one when the records are one run's
	Environments []experiment.Environment
	Verdicts     []verdictRow
	Stability    *htmlStability
	Reference    *beside
	Merged       *mergedTable // a merge's verdicts side by side, instead of Verdicts
	Sections     []htmlSection
}

// mergedTable is Merge's matrix as the page draws it.
type mergedTable struct {
	Environments []string // "E1: aarch64, cgroup v2"
	Rows         []mergedRow
}

type mergedRow struct {
	Name     string
	Verdicts []experiment.Outcome // "" where the environment did not run it
}

// htmlStability is the Stability section: how repeated runs agree, each
// table under its heading. From, when the records drawn are not beside
// the page, is the folder of the last of LastOf runs they are.
type htmlStability struct {
	LastOf int
	From   string
	Tables []stabilityView
}

type verdictRow struct {
	Name, Anchor, Title string
	Outcome             experiment.Outcome
	Trials              int
	Took                time.Duration
	Run                 string
}

// htmlSection is one experiment.
type htmlSection struct {
	Anchor, Name, Title string
	Verdict             experiment.Verdict
	Partial             []string // the presets a partial record kept
	Seed                *experiment.Quote
	Predicts, Mechanism string
	Departures          []string
	Checks              []checkRow
	Figures             []htmlFigure
	Samples             []htmlFigure
	Trials              []trialRow
	SampleEvery         string
}

type checkRow struct {
	Check, Measured, Why string
	Margin               string
	Held                 string
	Class                string // "held", "failed" or "undecided"
}

type trialRow struct {
	Arm                    string
	Trial                  int
	Args, Limits, Outcomes string
	End, Took, LastLine    string
	Samples                int
}

// htmlFigure is a figure rendered for the page: a table, or a chart's SVG.
type htmlFigure struct {
	ID, Title, Desc, Note string
	Folded                bool
	Table                 *experiment.Table
	Problem               string        // why it could not be drawn
	SVG                   template.HTML // gonum's markup, trusted: it escapes its own text
}

// MergedHTML renders index.html of a merge (see MergedMarkdown): the
// verdicts of every environment side by side, then each record's section,
// named after its environment.
func MergedHTML(recs []experiment.Record) []byte {
	m := Merge(recs)
	p := newPage(recs, nil)
	t := &mergedTable{}
	index := map[experiment.Environment]int{}
	for i, e := range m.Environments {
		index[e] = i
		t.Environments = append(t.Environments, fmt.Sprintf("%s: %s, cgroup v%s", EnvLabel(i), e.Engine.Arch, e.Engine.CgroupVersion))
	}
	for _, name := range m.Experiments {
		t.Rows = append(t.Rows, mergedRow{Name: name, Verdicts: m.Verdicts[name]})
	}
	p.Merged, p.Verdicts = t, nil
	p.Commits = nil // each environment ran its own lab: the environments table names each one's commit
	for i, r := range recs {
		label := EnvLabel(index[r.Environment])
		p.Sections[i].Name = label + " " + p.Sections[i].Name
		p.Sections[i].Anchor = strings.ToLower(label) + "-" + p.Sections[i].Anchor
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		panic(fmt.Sprintf("report: render HTML: %v", err))
	}
	return b.Bytes()
}

func newPage(recs, reference []experiment.Record) htmlPage {
	p := htmlPage{Records: len(recs), Commits: commits(recs), Environments: environments(recs)}
	for _, r := range recs {
		p.Verdicts = append(p.Verdicts, verdictRow{Name: r.Experiment.Name, Anchor: anchor(r), Title: r.Experiment.Title,
			Outcome: r.Verdict.Outcome, Trials: len(r.Trials), Took: r.Finished.Sub(r.Started).Round(time.Second),
			Run: r.Started.Format("2006-01-02 15:04 UTC")})
		p.Sections = append(p.Sections, newSection(r))
	}
	if len(reference) > 0 {
		p.Reference = newBeside(recs, reference)
	}
	return p
}

// environments are the distinct environments the records were made in, in
// the order the records first show them.
func environments(recs []experiment.Record) []experiment.Environment {
	var out []experiment.Environment
	seen := map[experiment.Environment]bool{}
	for _, r := range recs {
		if !seen[r.Environment] {
			seen[r.Environment] = true
			out = append(out, r.Environment)
		}
	}
	return out
}

func newSection(r experiment.Record) htmlSection {
	e := r.Experiment
	s := htmlSection{Anchor: anchor(r), Name: e.Name, Title: e.Title, Verdict: r.Verdict, Partial: r.Presets,
		Seed: e.Seed, Predicts: e.Predicts, Mechanism: e.Mechanism, SampleEvery: r.SampleEvery()}
	for _, a := range e.Arms {
		d := experiment.Departures(e, a)
		if n := revivals(r, a.Name); n > 0 {
			d = append(d, fmt.Sprintf("died and was started again %d times in this run", n))
		}
		if len(d) > 0 {
			s.Departures = append(s.Departures, fmt.Sprintf("%s: %s", a.Name, strings.Join(d, "; ")))
		}
	}
	for _, c := range r.Checks {
		row := checkRow{Check: c.Check.String(), Measured: measured(c.Values), Margin: checkMargin(c), Why: c.Check.Why, Held: "yes", Class: "held"}
		switch {
		case c.Emulated:
			row.Held, row.Class = emulatedHeld(c), "undecided"
		case c.Unavailable != "":
			row.Held, row.Class = "undecided: "+c.Unavailable, "undecided"
		case !c.Held:
			row.Held, row.Class = "no", "failed"
		}
		s.Checks = append(s.Checks, row)
	}
	s.Figures = htmlFigures(s.Anchor+"-fig", experiment.FiguresOf(r), false)
	s.Samples = htmlFigures(s.Anchor+"-samples", experiment.SampleFigures(r), true)
	for _, t := range r.Trials {
		end := specimenAtEnd(t)
		last, _ := experiment.LastLine(t)
		s.Trials = append(s.Trials, trialRow{Arm: t.Arm, Trial: t.Trial, Args: strings.Join(t.Args, " "),
			Limits:   fmt.Sprintf("nofile %d, nproc %d, pids %d", t.Limits.NoFile, t.Limits.NProc, t.Limits.Pids),
			Outcomes: outcomes(experiment.Results(t)), End: end, Took: t.Elapsed.Round(100 * time.Millisecond).String(),
			LastLine: last, Samples: len(t.Samples)})
	}
	return s
}

// htmlFigures renders a record's figures for the page, numbered under
// prefix, whatever view made them: a table as a table, a chart as SVG
// (small: the small multiples). A figure whose view failed, or whose chart
// cannot be drawn (a bug, or data gonum refuses), says so in its place, and
// the rest of the page stands.
func htmlFigures(prefix string, figures []experiment.Figure, small bool) []htmlFigure {
	var out []htmlFigure
	for i, f := range figures {
		h := htmlFigure{ID: fmt.Sprintf("%s-%d", prefix, i+1), Title: f.Title, Desc: f.Desc, Note: f.Note, Folded: f.Folded,
			Table: f.Table, Problem: f.Problem}
		if len(f.Chart) > 0 && h.Problem == "" {
			h.SVG, h.Problem = drawSVG(f, small, h.ID)
		}
		out = append(out, h)
	}
	return out
}

// drawSVG is f's chart as SVG, or why it could not be drawn.
func drawSVG(f experiment.Figure, small bool, id string) (svg template.HTML, problem string) {
	defer func() {
		if p := recover(); p != nil {
			svg, problem = "", fmt.Sprint(p)
		}
	}()
	return template.HTML(drawFigure(f, small).svg(id)), ""
}
