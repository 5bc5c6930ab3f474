package tour

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// TestStepsInTheArticlesOrder: part 1, part 2, then part 3's programs 3a to
// 3g, each once.
func TestStepsInTheArticlesOrder(t *testing.T) {
	want := []string{"part1", "part2", "3a", "3b", "3c", "3d", "3e", "3f", "3g"}
	if got := IDs(); !slices.Equal(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	last := 0
	for _, s := range Steps() {
		if s.Part < last || s.Part < 1 || s.Part > 3 {
			t.Errorf("step %s: part %d after part %d", s.ID, s.Part, last)
		}
		last = s.Part
	}
}

// TestEveryStepIsReplayed: each step runs arms that exist, of each preset
// it names, and shows the article's words (a quote held to its claim).
func TestEveryStepIsReplayed(t *testing.T) {
	for _, s := range Steps() {
		exps, err := s.Experiments()
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(exps) == 0 || len(s.Commands) == 0 {
			t.Errorf("step %s: %d runs, %d commands: want both", s.ID, len(exps), len(s.Commands))
		}
		quoted := false
		for _, e := range exps {
			if e.Seed != nil {
				if err := e.Seed.Holds(); err != nil {
					t.Errorf("step %s: %s's quote: %v", s.ID, e.Name, err)
				}
				quoted = quoted || e.Seed.Part == s.Part
			}
		}
		if !quoted {
			t.Errorf("step %s: no quote of part %d among its experiments", s.ID, s.Part)
		}
	}
}

// TestStepsNameTheirPrograms: a step of part 3 runs the program it is named
// after (webserver3X) or, standing in for it, says so.
func TestStepsNameTheirPrograms(t *testing.T) {
	for _, s := range Steps() {
		if s.Part != 3 {
			continue
		}
		exps, _ := s.Experiments()
		found := false
		for _, e := range exps {
			for _, a := range e.Arms {
				found = found || strings.HasPrefix(a.Preset, "webserver"+s.ID) || a.StandsIn == "webserver"+s.ID
			}
		}
		if !found {
			t.Errorf("step %s: no arm of webserver%s, nor one standing in for it", s.ID, s.ID)
		}
	}
}

var (
	upRE   = regexp.MustCompile(`--profile play up -d ([a-z0-9 -]+)`)
	portRE = regexp.MustCompile(`(?:127\.0\.0\.1:|--port )(\d{4})`)
)

// TestCommandsMeetThePlayground: the services a step's commands start are
// presets, and every port they dial is one of those services' play port.
func TestCommandsMeetThePlayground(t *testing.T) {
	for _, s := range Steps() {
		ports := map[string]string{}
		for _, c := range s.Commands {
			m := upRE.FindStringSubmatch(c.Line)
			if m == nil {
				continue
			}
			for _, name := range strings.Fields(m[1]) {
				p, err := catalogue.LookupPreset(name)
				if err != nil {
					t.Errorf("step %s: %q starts %s: %v", s.ID, c.Line, name, err)
					continue
				}
				ports[strconv.Itoa(p.PlayPort)] = name
			}
		}
		for _, c := range s.Commands {
			for _, m := range portRE.FindAllStringSubmatch(c.Line, -1) {
				if ports[m[1]] == "" {
					t.Errorf("step %s: %q dials %s, which no service the step starts publishes (%v)", s.ID, c.Line, m[1], ports)
				}
			}
		}
	}
}

// TestFrom: a step and the rest of the tour, or that step alone.
func TestFrom(t *testing.T) {
	rest, err := From("3d", false)
	if err != nil || len(rest) != 4 || rest[0].ID != "3d" || rest[3].ID != "3g" {
		t.Errorf("From(3d) = %d steps, %v", len(rest), err)
	}
	one, err := From("3d", true)
	if err != nil || len(one) != 1 || one[0].ID != "3d" {
		t.Errorf("From(3d, only) = %v, %v", one, err)
	}
	all, _ := From("", false)
	if len(all) != len(Steps()) {
		t.Errorf("From(\"\") = %d steps, want all %d", len(all), len(Steps()))
	}
	if _, err := From("3z", false); err == nil || !strings.Contains(err.Error(), "part1") {
		t.Errorf("From(3z): %v, want an error that lists the steps", err)
	}
}

// reference is the committed run of the whole suite.
var reference = filepath.Join("..", "..", "results", "reference")

// TestReferenceReplaysEveryStep cuts the committed reference run to each
// step's arms and judges it again: every step of the tour is reproduced
// in it, with a record of each of its runs.
func TestReferenceReplaysEveryStep(t *testing.T) {
	for _, s := range Steps() {
		seen, err := Recorded(s, t.TempDir(), reference)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen.Missing) > 0 || seen.Verdict() != experiment.Reproduced {
			for _, r := range seen.Records {
				t.Logf("%s: %s: %s", s.ID, r.Experiment.Name, r.Verdict.Reason)
			}
			t.Errorf("step %s: %s, missing %v: want reproduced", s.ID, seen.Verdict(), seen.Missing)
		}
	}
}

// TestRestrict: a record cut to one preset keeps that preset's trials and
// checks only, and a broken trial of it decides the verdict.
func TestRestrict(t *testing.T) {
	seen, err := Recorded(Steps()[8], t.TempDir(), reference) // 3g: zombies and sigchld-coalescing, arm 3g
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range seen.Records {
		for _, tr := range r.Trials {
			if tr.Preset != "webserver3g" {
				t.Errorf("%s: trial of %s kept", r.Experiment.Name, tr.Preset)
			}
		}
		for _, c := range r.Checks {
			if c.Check.Arm != "3g" {
				t.Errorf("%s: check of arm %s kept", r.Experiment.Name, c.Check.Arm)
			}
		}
		if len(r.Checks) == 0 || !r.Partial() {
			t.Errorf("%s: %d checks, partial %v", r.Experiment.Name, len(r.Checks), r.Partial())
		}
	}
	// The zombies record, with 3g's clients refused: not reproduced once
	// cut, as the whole record would be.
	whole := readWhole(t, "zombies")
	for i := range whole.Trials {
		if whole.Trials[i].Preset != "webserver3g" {
			continue
		}
		for j := range whole.Trials[i].Steps {
			for k := range whole.Trials[i].Steps[j].Clients {
				whole.Trials[i].Steps[j].Clients[k].Outcome = client.Refused
			}
		}
	}
	cut, err := Restrict(whole, []string{"webserver3g"})
	if err != nil {
		t.Fatal(err)
	}
	if cut.Verdict.Outcome != experiment.NotReproduced {
		t.Errorf("3g dead: %s, want not reproduced", cut.Verdict.Outcome)
	}
	if _, err := Restrict(whole, []string{"epoll"}); err == nil {
		t.Error("Restrict to a preset the record has no arm for: no error")
	}
}

func readWhole(t *testing.T, name string) experiment.Record {
	t.Helper()
	seen, ok := recordedIn(Step{ID: "x", Runs: []Run{{name, nil}}}, reference, false)
	if !ok || len(seen.Records) != 1 {
		t.Fatalf("no reference record of %s", name)
	}
	return seen.Records[0]
}

// TestSeenVerdict: one run not reproduced decides the step; a missing
// record leaves it inconclusive.
func TestSeenVerdict(t *testing.T) {
	rec := func(o experiment.Outcome) experiment.Record {
		return experiment.Record{Verdict: experiment.Verdict{Outcome: o}}
	}
	tests := []struct {
		seen Seen
		want experiment.Outcome
	}{
		{Seen{Records: []experiment.Record{rec(experiment.Reproduced), rec(experiment.Reproduced)}}, experiment.Reproduced},
		{Seen{Records: []experiment.Record{rec(experiment.Reproduced), rec(experiment.Inconclusive)}}, experiment.Inconclusive},
		{Seen{Records: []experiment.Record{rec(experiment.Inconclusive), rec(experiment.NotReproduced)}}, experiment.NotReproduced},
		{Seen{Records: []experiment.Record{rec(experiment.Reproduced)}, Missing: []string{"zombies"}}, experiment.Inconclusive},
		{Seen{}, experiment.Inconclusive},
	}
	for i, tt := range tests {
		if got := tt.seen.Verdict(); got != tt.want {
			t.Errorf("case %d: %s, want %s", i, got, tt.want)
		}
	}
}
