package experiment

import (
	"fmt"
	"strings"
)

// SampleFigures are, for every trial the sampler saw, what the specimen
// spent: its cgroup's CPU (user and system, in % of one core) and its
// memory (the cgroup's charge and the processes' resident memory), side by
// side, from Timeline. A panel with no point is left out, and a trial with
// neither gets no figure. Every experiment has them, beside its views.
func SampleFigures(r Record) []Figure {
	var out []Figure
	for _, t := range r.Trials {
		var panels []Panel
		var words []string
		for _, x := range []struct {
			what, y string
			lines   [][2]string // name, series
		}{
			{"CPU", "% of one core", [][2]string{{"user", SeriesCPUUser}, {"system", SeriesCPUSystem}}},
			{"memory", "MiB", [][2]string{{"cgroup", SeriesMemory}, {"resident", SeriesRSS}}},
		} {
			p := Panel{Title: x.what, X: Axis{Label: "seconds from the first sample", FromZero: true}, Y: Axis{Label: x.y, FromZero: true}}
			n := 0
			for _, l := range x.lines {
				pts := points(Timeline(t, l[1]))
				n += len(pts)
				p.Lines = append(p.Lines, Line{Name: l[0], Points: pts})
			}
			if n > 0 {
				panels, words = append(panels, p), append(words, x.what)
			}
		}
		if len(panels) == 0 {
			continue
		}
		desc := fmt.Sprintf("%d samples of %s's specimen over %.1f s: ", len(t.Samples), t.Arm, t.Elapsed.Seconds())
		if len(panels) == 1 {
			desc += "its " + words[0] + "."
		} else {
			desc += "its cgroup's CPU, user and system, in % of one core, and its memory, the cgroup's charge and the resident memory of its processes, in MiB."
		}
		out = append(out, Figure{Title: fmt.Sprintf("%s, trial %d: %s", t.Arm, t.Trial, strings.Join(words, " and ")), Desc: desc, Chart: panels})
	}
	return out
}
