package experiment

import "sort"

// SocketTimeline draws, a panel per trial, what the sampler counted of the
// specimen's port over the trial: the listener's accept queue and the
// server's ends of its connections by TCP state, each state a line once a
// sample has seen it. Level, when set, is the level a trial's accept
// queue is read against (backlog+1).
type SocketTimeline struct {
	Title, Desc string
	Level       func(Trial) (Level, bool)
}

func (v SocketTimeline) Figures(r Record) []Figure {
	var panels []Panel
	for _, t := range r.Trials {
		p := Panel{Title: trialName(r, t), X: Axis{Label: "seconds from the first sample"}, Y: Axis{Label: "sockets", FromZero: true}}
		if pts := Timeline(t, SeriesAcceptQueue); len(pts) > 0 {
			p.Lines = append(p.Lines, Line{Name: "accept queue", Points: points(pts)})
		}
		for _, st := range statesSeen(t) {
			p.Lines = append(p.Lines, Line{Name: st, Points: points(Timeline(t, SeriesState(st)))})
		}
		if len(p.Lines) == 0 {
			continue
		}
		if v.Level != nil {
			if l, ok := v.Level(t); ok {
				p.Levels = append(p.Levels, l)
			}
		}
		panels = append(panels, p)
	}
	if len(panels) == 0 {
		return nil
	}
	title := v.Title
	if title == "" {
		title = "The port's sockets over time, per " + trialsLabel("", r)
	}
	return []Figure{{Title: title + ", sampled every " + r.SampleEvery(), Desc: v.Desc, Chart: panels}}
}

// statesSeen are the TCP states any of t's samples counted, in order.
func statesSeen(t Trial) []string {
	seen := map[string]bool{}
	for _, s := range t.Samples {
		if s.Sockets == nil {
			continue
		}
		for st, n := range s.Sockets.States {
			if n > 0 {
				seen[st] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for st := range seen {
		out = append(out, st)
	}
	sort.Strings(out)
	return out
}
