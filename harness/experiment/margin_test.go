package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"
)

func TestMargin(t *testing.T) {
	tests := []struct {
		op           Op
		value, limit float64
		want         float64
	}{
		// >= holds above and on the threshold, fails below.
		{">=", 5, 2, 3},
		{">=", 2, 2, 0},
		{">=", 1.5, 2, -0.5},
		// > holds above only: on the threshold the margin is 0 and it fails.
		{">", 2.25, 2, 0.25},
		{">", 2, 2, 0},
		{">", 1, 2, -1},
		// <= holds below and on it.
		{"<=", 0.1, 0.25, 0.15},
		{"<=", 0.25, 0.25, 0},
		{"<=", 1, 0.25, -0.75},
		// < holds below only.
		{"<", 1, 3, 2},
		{"<", 3, 3, 0},
		{"<", 4, 3, -1},
		// == holds exactly, and any distance either way is against it.
		{"==", 20, 20, 0},
		{"==", 17, 20, -3},
		{"==", 23, 20, -3},
		// != fails exactly, and any distance either way is for it.
		{"!=", 3, 0, 3},
		{"!=", -3, 0, 3},
		{"!=", 0, 0, 0},
	}
	for _, tt := range tests {
		c := Check{Op: tt.op, Value: tt.limit}
		got := Margin(c, tt.value)
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%g %s %g: got margin %g, want %g", tt.value, tt.op, tt.limit, got, tt.want)
		}
		if math.Signbit(got) && got == 0 {
			t.Errorf("%g %s %g: got -0, want 0", tt.value, tt.op, tt.limit)
		}
	}
	if got := Margin(Check{Op: "~"}, 1); !math.IsNaN(got) {
		t.Errorf("unknown op: got %g, want NaN", got)
	}
}

// TestMarginAgreesWithOps: for every op, on either side of the threshold
// and on it, the check holds exactly when its margin says so.
func TestMarginAgreesWithOps(t *testing.T) {
	nonNegative := map[Op]bool{GE: true, LE: true, EQ: true}
	for op, holds := range ops {
		for _, v := range []float64{-2, 0, 0.5, 1, 1.5, 3} {
			c := Check{Op: op, Value: 1}
			m := Margin(c, v)
			says := m > 0 || (m == 0 && nonNegative[op])
			if says != holds(v, c.Value) {
				t.Errorf("%g %s 1: got margin %g, which says held %v; the op says %v", v, op, m, says, holds(v, c.Value))
			}
		}
	}
	if len(margins) != len(ops) {
		t.Errorf("got margins for %d ops, want one for each of the %d", len(margins), len(ops))
	}
}

func TestDecidingMargin(t *testing.T) {
	v := func(x float64) TrialValue { return TrialValue{Value: x} }
	undecided := TrialValue{Error: "no probe step ran"}
	tests := []struct {
		name   string
		check  Check
		values []TrialValue
		want   float64
		ok     bool
	}{
		// every: the worst trial, here the one that fails.
		{"every, one fails", Check{Op: "==", Value: 0, Over: Every}, []TrialValue{v(0), v(3), v(0)}, -3, true},
		// every, all hold: the nearest to failing.
		{"every, all hold", Check{Op: "<=", Value: 1.5, Over: Every}, []TrialValue{v(1.0), v(1.4), v(1.2)}, 0.1, true},
		// any: the best trial, the one that decides it.
		{"any, one holds", Check{Op: ">", Value: 0, Over: Any}, []TrialValue{v(0), v(0), v(5), v(1)}, 5, true},
		// any, none holds: the best is still on the wrong side.
		{"any, none holds", Check{Op: ">=", Value: 2, Over: Any}, []TrialValue{v(1), v(0.5)}, -1, true},
		// An undecided trial counts for nothing, either way.
		{"every, undecided left out", Check{Op: ">=", Value: 2, Over: Every}, []TrialValue{v(4), undecided, v(3)}, 1, true},
		{"any, undecided left out", Check{Op: "<", Value: 2, Over: Any}, []TrialValue{undecided, v(3)}, -1, true},
		// No decided trial: no margin.
		{"none decided", Check{Op: "==", Value: 20, Over: Every}, []TrialValue{undecided}, 0, false},
		{"no trial", Check{Op: "==", Value: 20, Over: Every}, nil, 0, false},
		// An op Judge does not know has no margin.
		{"unknown op", Check{Op: "~", Value: 1, Over: Every}, []TrialValue{v(1)}, 0, false},
	}
	for _, tt := range tests {
		got, ok := DecidingMargin(tt.check, tt.values)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: got %g, %v; want %g, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestJudgeMargins: Judge gives each decided trial its margin and the check
// the deciding one; a trial without a value has none.
func TestJudgeMargins(t *testing.T) {
	e := mustLookup("sigchld-coalescing")
	e.Checks = []Check{e.Checks[0], e.Checks[2]} // 3f: zombies > 0 in any trial; 3g: zombies == 0 in every trial
	trials := coalescing(e, []int{0, 4, -1, 2, 0})
	g := find(trials, "3g", 4)
	lastProbeOf(g).Probe = snapshot("forking", 1, startTasks)
	results, v := Judge(e, trials)
	if v.Outcome != NotReproduced {
		t.Fatalf("got %s (%s), want %s", v.Outcome, v.Reason, NotReproduced)
	}
	tests := []struct {
		check   string
		margins []float64 // per trial; NaN where undecided
		want    float64
	}{
		// any: the best of the decided trials, trial 2's 4 zombies.
		{"3f: zombies > 0 in any trial", []float64{0, 4, math.NaN(), 2, 0}, 4},
		// every: the worst, trial 4's one zombie.
		{"3g: zombies == 0 in every trial", []float64{0, 0, 0, -1, 0}, -1},
	}
	for i, tt := range tests {
		r := results[i]
		if r.Check.String() != tt.check {
			t.Fatalf("check %d: got %s, want %s", i, r.Check, tt.check)
		}
		if r.Margin == nil || *r.Margin != tt.want {
			t.Errorf("%s: got margin %v, want %g", tt.check, r.Margin, tt.want)
		}
		for j, tv := range r.Values {
			want := tt.margins[j]
			if math.IsNaN(want) {
				if tv.Error == "" || tv.Margin != 0 {
					t.Errorf("%s trial %d: got %+v, want undecided with no margin", tt.check, tv.Trial, tv)
				}
				continue
			}
			if tv.Margin != want {
				t.Errorf("%s trial %d: got margin %g, want %g", tt.check, tv.Trial, tv.Margin, want)
			}
		}
	}
}

// TestCheckResultDecodesMargins: a record written before margins were
// stored reads with the margins Judge would give it, and one written after
// reads back as it was.
func TestCheckResultDecodesMargins(t *testing.T) {
	e := mustLookup("zombies")
	trials := predicted["zombies"](e)
	lastProbeOf(find(trials, "3g", 1)).Probe = snapshot("forking", 2, startTasks)
	want, _ := Judge(e, trials)
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got []CheckResult
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !sameJSON(got, want) {
		t.Errorf("written with margins: got %+v back, want %+v", got, want)
	}
	// The same results as an older lab wrote them: no margin anywhere.
	var old []map[string]any
	if err := json.Unmarshal(b, &old); err != nil {
		t.Fatal(err)
	}
	for _, r := range old {
		delete(r, "margin")
		for _, v := range r["values"].([]any) {
			delete(v.(map[string]any), "margin")
		}
	}
	if b, err = json.Marshal(old); err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !sameJSON(got, want) {
		t.Errorf("written without margins: got %+v, want the margins Judge gives %+v", got, want)
	}
	found := false
	for _, r := range got {
		if r.Check.String() != "3g: zombies == 0 in every trial" {
			continue
		}
		found = true
		if r.Held || r.Margin == nil || *r.Margin != -2 {
			t.Errorf("got %+v, want 3g's zombies failed by margin -2", r)
		}
	}
	if !found {
		t.Errorf("got no check of 3g's zombies")
	}
}

func ExampleMargin() {
	within := Check{Arm: "3b", Metric: Staircase(time.Second), Op: "<=", Value: 0.25, Over: Every}
	zombies := Check{Arm: "3c", Metric: Zombies(), Op: "==", Value: 20, Over: Every}
	fmt.Printf("%.2f\n", Margin(within, 0.1)) // held, 0.15 to spare
	fmt.Println(Margin(zombies, 20))          // held exactly
	fmt.Println(Margin(zombies, 17))          // three zombies short
	// Output:
	// 0.15
	// 0
	// -3
}
