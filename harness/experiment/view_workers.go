package experiment

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// WorkerShares draws each prefork worker's share of the accepts it logged,
// per trial, against the even spread its --workers flag makes.
type WorkerShares struct{}

func (WorkerShares) Figures(r Record) []Figure {
	p := Panel{X: Axis{Label: "accept mode"}, Y: Axis{Label: "% of the accepts"}}
	var workers []string
	var accepts []map[string]int
	even := 0.0
	for _, t := range r.Trials {
		p.X.Categories = append(p.X.Categories, trialName(r, t))
		a := WorkerAccepts(t)
		accepts = append(accepts, a)
		for w := range a {
			if !slices.Contains(workers, w) {
				workers = append(workers, w)
			}
		}
		if n, err := strconv.Atoi(flagValue(t.Args, "--workers")); err == nil && n > 0 {
			even = 100 / float64(n)
		}
	}
	if len(workers) == 0 {
		return nil
	}
	sort.Slice(workers, func(i, j int) bool { return byNumber(workers[i], workers[j]) })
	for _, w := range workers {
		s := Bars{Name: "worker " + w}
		for _, a := range accepts {
			total := 0
			for _, n := range a {
				total += n
			}
			s.Values = append(s.Values, Value{V: 100 * float64(a[w]) / float64(max(total, 1)), OK: total > 0})
		}
		p.Bars = append(p.Bars, s)
	}
	if even > 0 {
		p.Levels = append(p.Levels, Level{Name: fmt.Sprintf("an even spread (%.0f %%)", even), Y: even})
	}
	return []Figure{{Title: "Each worker's share of the accepts, per accept mode", Chart: []Panel{p},
		Desc: "Per accept mode, the share of the accepts each prefork worker logged."}}
}

// byNumber orders names as numbers when both are, else as text: worker 10
// after worker 9.
func byNumber(a, b string) bool {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}
