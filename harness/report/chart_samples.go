package report

import (
	"fmt"
	"math"

	"github.com/serverlab/serverlab/harness/experiment"
)

// sampleCharts draw, for every trial the sampler saw, what the specimen
// spent: its cgroup's CPU (user and system, in % of one core) and its
// memory (the cgroup's charge and the processes' resident memory), side by
// side, from experiment.Timeline. A panel with no point is left out, and
// a trial with neither gets no chart.
func sampleCharts(r experiment.Record) []chart {
	var out []chart
	for _, t := range r.Trials {
		cpu := newPanel("CPU", "seconds from the first sample", "% of one core")
		memory := newPanel("memory", "seconds from the first sample", "MiB")
		var panels []panel
		var words []string
		for _, x := range []struct {
			p      *panel
			what   string
			series []struct{ name, series string }
		}{
			{&cpu, "CPU", []struct{ name, series string }{
				{"user", experiment.SeriesCPUUser}, {"system", experiment.SeriesCPUSystem}}},
			{&memory, "memory", []struct{ name, series string }{
				{"cgroup", experiment.SeriesMemory}, {"resident", experiment.SeriesRSS}}},
		} {
			n := 0
			for i, s := range x.series {
				xys := timelineXYs(experiment.Timeline(t, s.series))
				n += len(xys)
				x.p.line(s.name, i, xys)
			}
			if n > 0 {
				// From zero, and never a range of nothing: an idle
				// specimen's CPU is a flat 0, a trial of one sample
				// a single instant.
				pl := x.p.plot
				pl.Y.Min, pl.X.Min = 0, 0
				pl.Y.Max, pl.X.Max = math.Max(pl.Y.Max, 1), math.Max(pl.X.Max, 1)
				panels = append(panels, *x.p)
				words = append(words, x.what)
			}
		}
		if len(panels) == 0 {
			continue
		}
		title := fmt.Sprintf("%s, trial %d: %s", t.Arm, t.Trial, andList(words))
		desc := fmt.Sprintf("%d samples of %s's specimen over %.1f s: ", len(t.Samples), t.Arm, t.Elapsed.Seconds())
		if len(panels) == 1 {
			desc += "its " + words[0] + "."
		} else {
			desc += "its cgroup's CPU, user and system, in % of one core, and its memory, the cgroup's charge and the resident memory of its processes, in MiB."
		}
		c := chart{title: title, desc: desc, panels: panels, width: smallWidth, height: smallHeight}
		if len(panels) == 1 {
			c.width = smallWidth / 2
			panels[0].plot.Title.Text = title
		}
		out = append(out, c)
	}
	return out
}

// andList writes words as a list does in a sentence: "CPU and memory".
func andList(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	s := words[0]
	for _, w := range words[1 : len(words)-1] {
		s += ", " + w
	}
	return s + " and " + words[len(words)-1]
}
