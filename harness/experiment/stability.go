package experiment

import (
	"fmt"
	"slices"
	"strings"
)

// StabilityTable is how runs of the same experiments agree: a prediction
// that held once may hold by chance, one that held in every run and by a
// wide margin is robust, and one that holds by a hair in some runs is a
// measurement, not yet a lesson. It is what results/.../stability.json
// holds.
type StabilityTable struct {
	Runs int `json:"runs"`
	// Neighbour is the busy neighbour the runs had beside them (lab run
	// --neighbour), "" for a quiet machine; runs beside different ones
	// (a resumed repeat) name each, a quiet one as MixedQuiet.
	Neighbour string `json:"neighbour,omitempty"`
	// Commits are the lab commits whose code the runs measured, in the
	// order the records first show them: more than one means the runs
	// did not all measure the same code.
	Commits     []string              `json:"commits,omitempty"`
	Experiments []ExperimentStability `json:"experiments"`
}

// MixedQuiet stands for the quiet machine in a StabilityTable's
// Neighbour when some runs had a neighbour and others none.
const MixedQuiet = "none"

// ExperimentStability is one experiment across the runs.
type ExperimentStability struct {
	Experiment string `json:"experiment"`
	// Runs counts the runs with a record of it: a run interrupted or
	// unable to run it has none.
	Runs       int             `json:"runs"`
	Reproduced int             `json:"reproduced"`
	Outcomes   map[Outcome]int `json:"outcomes"`
	// Checks are in the order the records list them.
	Checks []CheckStability `json:"checks"`
}

// CheckStability is one check across the runs that have it, identified by
// its String().
type CheckStability struct {
	Check     string  `json:"check"`
	Op        Op      `json:"op"`
	Threshold float64 `json:"threshold"`
	Runs      int     `json:"runs"`    // runs whose record has the check
	Decided   int     `json:"decided"` // of them, runs that could decide it
	Held      int     `json:"held"`    // of those, runs in which it held
	// WorstMargin and MedianMargin are over the decided runs' deciding
	// margins (DecidingMargin): the run nearest to failing, or furthest
	// gone, and the typical one. Nil when no run decided the check.
	WorstMargin  *float64 `json:"worst_margin,omitempty"`
	MedianMargin *float64 `json:"median_margin,omitempty"`
}

// Stability sets runs side by side, each a run's records (one run of each
// experiment at most), experiments and checks in the order they are first
// met. Margins are worked out from each record's values, so records written
// before margins were stored count as well.
func Stability(runs [][]Record) StabilityTable {
	s := StabilityTable{Runs: len(runs)}
	index := map[string]int{}
	margins := map[string][][]float64{} // by experiment, per check: each decided run's margin
	var neighbours []string
	for _, recs := range runs {
		for _, r := range recs {
			if n := r.Environment.Neighbour; !slices.Contains(neighbours, n) {
				neighbours = append(neighbours, n)
			}
			// A record that does not say its commit adds nothing to name.
			if c := r.Environment.LabCommit; c != "" && !slices.Contains(s.Commits, c) {
				s.Commits = append(s.Commits, c)
			}
			name := r.Experiment.Name
			i, ok := index[name]
			if !ok {
				i = len(s.Experiments)
				index[name] = i
				s.Experiments = append(s.Experiments, ExperimentStability{Experiment: name, Outcomes: map[Outcome]int{}})
			}
			e := &s.Experiments[i]
			e.Runs++
			e.Outcomes[r.Verdict.Outcome]++
			if r.Verdict.Outcome == Reproduced {
				e.Reproduced++
			}
			for _, c := range r.Checks {
				j := slices.IndexFunc(e.Checks, func(cs CheckStability) bool { return cs.Check == c.Check.String() })
				if j < 0 {
					j = len(e.Checks)
					e.Checks = append(e.Checks, CheckStability{Check: c.Check.String(), Op: c.Check.Op, Threshold: c.Check.Value})
					margins[name] = append(margins[name], nil)
				}
				cs := &e.Checks[j]
				cs.Runs++
				if c.Unavailable != "" {
					continue
				}
				cs.Decided++
				if c.Held {
					cs.Held++
				}
				if m, ok := DecidingMargin(c.Check, c.Values); ok {
					margins[name][j] = append(margins[name][j], m)
				}
			}
		}
	}
	for i := range s.Experiments {
		e := &s.Experiments[i]
		for j := range e.Checks {
			ms := margins[e.Experiment][j]
			if len(ms) == 0 {
				continue
			}
			worst, mid := slices.Min(ms), median(ms)
			e.Checks[j].WorstMargin, e.Checks[j].MedianMargin = &worst, &mid
		}
	}
	s.Neighbour = neighbourOf(neighbours)
	return s
}

// neighbourOf is the one neighbour all runs had, or else each, joined
// with "; ", the quiet machine as MixedQuiet.
func neighbourOf(distinct []string) string {
	if len(distinct) == 1 {
		return distinct[0]
	}
	named := slices.Clone(distinct)
	for i, n := range named {
		if n == "" {
			named[i] = MixedQuiet
		}
	}
	return strings.Join(named, "; ")
}

// Unsteady names, in words, each experiment that was not reproduced in
// every run: a run without its record counts against it.
func (s StabilityTable) Unsteady() []string {
	var out []string
	for _, e := range s.Experiments {
		if e.Reproduced < s.Runs {
			out = append(out, fmt.Sprintf("%s reproduced in %d of %d runs", e.Experiment, e.Reproduced, s.Runs))
		}
	}
	return out
}

// median is the middle of xs, or the mean of the two middle ones.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
