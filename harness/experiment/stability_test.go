package experiment

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// stabilityRecord is a record of experiment name with the given checks,
// judged reproduced when every one held and was decided.
func stabilityRecord(name string, checks ...CheckResult) Record {
	r := Record{Experiment: Experiment{Name: name}, Checks: checks, Verdict: Verdict{Outcome: Reproduced}}
	for _, c := range checks {
		switch {
		case !c.Held && c.Unavailable == "":
			r.Verdict.Outcome = NotReproduced
		case c.Unavailable != "" && r.Verdict.Outcome == Reproduced:
			r.Verdict.Outcome = Inconclusive
		}
	}
	return r
}

// judged is c over values, as evaluate judges an every check; NaN is a
// trial without a value, which leaves the check undecided.
func judged(c Check, values ...float64) CheckResult {
	r := CheckResult{Check: c, Held: true}
	for i, v := range values {
		if math.IsNaN(v) {
			r.Values = append(r.Values, TrialValue{Trial: i + 1, Error: "no probe step ran"})
			r.Held, r.Unavailable = false, "a trial gave no value"
			continue
		}
		r.Values = append(r.Values, TrialValue{Trial: i + 1, Value: v})
		r.Held = r.Held && ops[c.Op](v, c.Value)
	}
	return r
}

func TestStability(t *testing.T) {
	zombies := Check{Arm: "3c", Metric: Zombies(), Op: "==", Value: 20, Over: Every}
	staircase := Check{Arm: "3b", Metric: Staircase(time.Second), Op: "<=", Value: 0.25, Over: Every}
	exits := Check{Arm: "3e", Metric: ExitCode(), Op: "==", Value: 1, Over: Every}
	nan := math.NaN()
	runs := [][]Record{
		// Run 1: everything held, 3b with 0.25 to spare.
		{stabilityRecord("zombies", judged(zombies, 20), judged(staircase, 0)), stabilityRecord("eintr", judged(exits, 1))},
		// Run 2: three zombies short; eintr did not run.
		{stabilityRecord("zombies", judged(zombies, 17), judged(staircase, 0.125))},
		// Run 3: the staircase undecided, so it counts in no margin.
		{stabilityRecord("zombies", judged(zombies, 20), judged(staircase, nan)), stabilityRecord("eintr", judged(exits, 1))},
	}
	got := Stability(runs)
	ptr := func(f float64) *float64 { return &f }
	want := StabilityTable{Runs: 3, Experiments: []ExperimentStability{
		{Experiment: "zombies", Runs: 3, Reproduced: 1, Outcomes: map[Outcome]int{Reproduced: 1, NotReproduced: 1, Inconclusive: 1},
			Checks: []CheckStability{
				{Check: zombies.String(), Op: "==", Threshold: 20, Runs: 3, Decided: 3, Held: 2, WorstMargin: ptr(-3), MedianMargin: ptr(0)},
				{Check: staircase.String(), Op: "<=", Threshold: 0.25, Runs: 3, Decided: 2, Held: 2, WorstMargin: ptr(0.125), MedianMargin: ptr(0.1875)},
			}},
		{Experiment: "eintr", Runs: 2, Reproduced: 2, Outcomes: map[Outcome]int{Reproduced: 2},
			Checks: []CheckStability{{Check: exits.String(), Op: "==", Threshold: 1, Runs: 2, Decided: 2, Held: 2, WorstMargin: ptr(0), MedianMargin: ptr(0)}}},
	}}
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", " ")
		wb, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("got\n%s\nwant\n%s", gb, wb)
	}
	// Both experiments missed a run: zombies failed one, eintr lacks one.
	wantUnsteady := []string{"zombies reproduced in 1 of 3 runs", "eintr reproduced in 2 of 3 runs"}
	if u := got.Unsteady(); !slices.Equal(u, wantUnsteady) {
		t.Errorf("Unsteady: got %q, want %q", u, wantUnsteady)
	}
	// It is written as stability.json: the names a reader greps for.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"runs":3`, `"reproduced":1`, `"worst_margin":-3`, `"median_margin":0`, `"not reproduced":1`, `"decided":2`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("stability.json: got no %s in %s", key, b)
		}
	}
	var back StabilityTable
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, got) {
		t.Errorf("stability.json read back: got %+v (%v), want %+v", back, err, got)
	}
}

func TestStabilitySteady(t *testing.T) {
	exits := Check{Arm: "3e", Metric: ExitCode(), Op: "==", Value: 1, Over: Every}
	tests := []struct {
		name string
		runs [][]Record
		want int // unsteady experiments
	}{
		// Every run reproduced it.
		{"steady", [][]Record{{stabilityRecord("eintr", judged(exits, 1))}, {stabilityRecord("eintr", judged(exits, 1))}}, 0},
		// One run did not.
		{"one failed", [][]Record{{stabilityRecord("eintr", judged(exits, 1))}, {stabilityRecord("eintr", judged(exits, 0))}}, 1},
		// One run has no record of it.
		{"one missing", [][]Record{{stabilityRecord("eintr", judged(exits, 1))}, nil}, 1},
		// No run at all: nothing to be unsteady.
		{"none", nil, 0},
	}
	for _, tt := range tests {
		if got := Stability(tt.runs).Unsteady(); len(got) != tt.want {
			t.Errorf("%s: got unsteady %q, want %d", tt.name, got, tt.want)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{[]float64{3}, 3},            // one
		{[]float64{5, -1, 2}, 2},     // odd: the middle, whatever the order
		{[]float64{4, 1, 2, 3}, 2.5}, // even: the mean of the two middle
	}
	for _, tt := range tests {
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v): got %g, want %g", tt.xs, got, tt.want)
		}
	}
}

// TestStabilityEnvironment: a table names the neighbour its runs had and
// the lab commits whose code they measured.
func TestStabilityEnvironment(t *testing.T) {
	const pinned = "pinned: one thread spinning on CPU 0, the pinned specimens' core"
	const bounded = "bounded: two threads spinning anywhere, their cgroup bounded to one CPU's worth of time"
	at := func(name, neighbour, commit string) Record {
		r := stabilityRecord(name)
		r.Environment.Neighbour, r.Environment.LabCommit = neighbour, commit
		return r
	}
	tests := []struct {
		name          string
		runs          [][]Record
		wantNeighbour string
		wantCommits   []string
	}{
		// A quiet machine, one commit: no neighbour to name.
		{"quiet", [][]Record{{at("zombies", "", "aaa"), at("eintr", "", "aaa")}, {at("zombies", "", "aaa")}}, "", []string{"aaa"}},
		// Every run beside the pinned neighbour.
		{"pinned", [][]Record{{at("zombies", pinned, "aaa")}, {at("zombies", pinned, "aaa")}}, pinned, []string{"aaa"}},
		// A repeat resumed beside another neighbour, and at another commit:
		// each named, in the order first met, the quiet machine as none.
		{"mixed", [][]Record{{at("zombies", pinned, "bbb")}, {at("zombies", "", "aaa")}, {at("zombies", bounded, "bbb")}},
			pinned + "; " + MixedQuiet + "; " + bounded, []string{"bbb", "aaa"}},
		// Records that do not say their commit name none.
		{"no commit", [][]Record{{at("zombies", "", "")}, {at("zombies", "", "aaa")}}, "", []string{"aaa"}},
		// No run: nothing to say.
		{"none", nil, "", nil},
	}
	for _, tt := range tests {
		got := Stability(tt.runs)
		if got.Neighbour != tt.wantNeighbour {
			t.Errorf("%s: got neighbour %q, want %q", tt.name, got.Neighbour, tt.wantNeighbour)
		}
		if !slices.Equal(got.Commits, tt.wantCommits) {
			t.Errorf("%s: got commits %q, want %q", tt.name, got.Commits, tt.wantCommits)
		}
	}
	// Both are kept in stability.json, and left out where there is none.
	b, err := json.Marshal(Stability([][]Record{{at("zombies", pinned, "aaa")}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"neighbour":"` + pinned + `"`, `"commits":["aaa"]`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("stability.json: got no %s in %s", key, b)
		}
	}
	if b, _ := json.Marshal(Stability(nil)); strings.Contains(string(b), "neighbour") || strings.Contains(string(b), "commits") {
		t.Errorf("stability.json of no run: got %s, want neither neighbour nor commits", b)
	}
}
