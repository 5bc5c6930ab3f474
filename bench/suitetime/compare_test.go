package main

import (
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
)

func record(name string, wall time.Duration, trials ...experiment.Trial) experiment.Record {
	start := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	return experiment.Record{Experiment: experiment.Experiment{Name: name}, Started: start, Finished: start.Add(wall), Trials: trials}
}

func trial(start, overhead time.Duration) experiment.Trial {
	return experiment.Trial{Steps: []experiment.Observation{{At: start}}, Overhead: overhead}
}

func TestCompare(t *testing.T) {
	s := time.Second
	then := []experiment.Record{
		record("hello", 80*s, trial(1200*time.Millisecond, 0), trial(1400*time.Millisecond, 0)),
		record("gone", 5*s, trial(s, 0)),
	}
	now := []experiment.Record{
		record("hello", 20*s, trial(400*time.Millisecond, 600*time.Millisecond), trial(600*time.Millisecond, 800*time.Millisecond)),
		record("new", 3*s, trial(s, s)),
	}
	rows, total := compare(then, now)
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	// now's order first, then what now lacks
	if got, want := strings.Join(names, " "), "hello new gone"; got != want {
		t.Errorf("rows: got %q, want %q", got, want)
	}
	// The total counts only the experiments both runs have.
	if total.Then.Wall != 80*s || total.Now.Wall != 20*s {
		t.Errorf("total wall: got %v then, %v now, want 1m20s and 20s", total.Then.Wall, total.Now.Wall)
	}
	if got, _ := total.Now.meanStart(); got != 500*time.Millisecond {
		t.Errorf("mean start now: got %v, want 500ms", got)
	}
	if got, _ := total.Now.meanOverhead(); got != 700*time.Millisecond {
		t.Errorf("mean overhead now: got %v, want 700ms", got)
	}
	if _, ok := total.Then.meanOverhead(); ok {
		t.Errorf("then recorded no overhead: got one")
	}
	var b strings.Builder
	if err := write(&b, rows, total); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"0.250", // hello's wall time, 20 s of 80 s
		"0.385", // its mean start, 500 ms of 1.3 s
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table: got no %s in\n%s", want, b.String())
		}
	}
}
