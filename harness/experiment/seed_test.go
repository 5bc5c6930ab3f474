package experiment

import (
	"slices"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/catalogue"
)

func TestSeedValid(t *testing.T) {
	names := map[string]bool{}
	for _, e := range Suite() {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: got %v, want a valid experiment", e.Name, err)
		}
		if names[e.Name] {
			t.Errorf("%s: got the name twice, want names unique", e.Name)
		}
		names[e.Name] = true
		if e.Title == "" || e.Predicts == "" || e.Mechanism == "" {
			t.Errorf("%s: got title %q, prediction %q, mechanism %q; want all three", e.Name, e.Title, e.Predicts, e.Mechanism)
		}
	}
	// The seed's experiments quote the article, labelled with its file;
	// the lab's own claim nothing of it.
	for _, e := range Seed() {
		if e.Seed == nil || e.Seed.Words == "" || e.Seed.Source == "" {
			t.Errorf("%s: got seed quote %+v, want the article's words and source", e.Name, e.Seed)
		}
	}
	for _, e := range Models() {
		if e.Seed != nil {
			t.Errorf("%s: got seed quote %+v, want none: the article has no such program", e.Name, e.Seed)
		}
		for _, a := range e.Arms {
			if _, err := catalogue.LookupPreset(a.Preset); err != nil {
				t.Errorf("%s arm %s: got %v, want a catalogue preset", e.Name, a.Name, err)
			}
		}
		for _, c := range e.Checks {
			if MetricDoc(c.Metric.Name) == "" {
				t.Errorf("%s: %s: got no doc for metric %q, want a metric that exists", e.Name, c, c.Metric.Name)
			}
			if _, ok := e.Arm(c.Arm); !ok {
				t.Errorf("%s: %s: got arm %q, want an arm of the experiment", e.Name, c, c.Arm)
			}
			if c.Why == "" {
				t.Errorf("%s: %s: got no reason, want the seed's why", e.Name, c)
			}
		}
	}
}

// TestSeedTrials: coalescing is a race, and the issue asks for at least
// five trials before it is believed either way.
func TestSeedTrials(t *testing.T) {
	e, err := Lookup("sigchld-coalescing")
	if err != nil {
		t.Fatal(err)
	}
	if e.Trials < 5 {
		t.Errorf("sigchld-coalescing: got %d trials, want at least 5", e.Trials)
	}
}

func TestLookup(t *testing.T) {
	for _, e := range Suite() {
		got, err := Lookup(e.Name)
		if err != nil || got.Name != e.Name {
			t.Errorf("Lookup(%q): got %q, %v; want %q", e.Name, got.Name, err, e.Name)
		}
	}
	if _, err := Lookup("webserver9"); err == nil || !strings.Contains(err.Error(), "webserver9") {
		t.Errorf("Lookup(webserver9): got %v, want an error naming it", err)
	}
}

func TestHelloCoversCatalogue(t *testing.T) {
	e, err := Lookup("hello")
	if err != nil {
		t.Fatal(err)
	}
	type arm struct{ preset, wire string }
	var got, want []arm
	for _, a := range e.Arms {
		got = append(got, arm{a.Preset, a.Wire})
	}
	for _, p := range HelloPresets() {
		want = append(want, arm{p.Name, catalogue.WireSeed}, arm{p.Name, catalogue.WireHTTP})
	}
	if n := len(HelloPresets()); n < 13 {
		t.Errorf("hello covers %d presets, want every C and Go one (13 and more)", n)
	}
	if !slices.Equal(got, want) {
		t.Errorf("hello arms: got %v, want each catalogue preset on both wires %v", got, want)
	}
	for _, a := range e.Arms {
		var labels []string
		for _, s := range a.Steps {
			if s.Kind == StepClient {
				labels = append(labels, s.Label)
			}
		}
		// HTTPConformance reads these four steps by label; the seed wire's
		// check reads every step, garbage included.
		want := []string{StepHello1, StepHello2, StepNotFound, StepBadRequest}
		if a.Wire == catalogue.WireSeed {
			want = []string{StepHello1, StepNotFound, StepBadRequest, StepGarbage}
		}
		if !slices.Equal(labels, want) {
			t.Errorf("hello arm %s: got client steps %v, want %v", a.Name, labels, want)
		}
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		exp     string
		presets []string
		arms    []string // the arms kept; nil for an error
		checks  int      // the checks kept
	}{
		// No presets: the experiment as it is.
		{"zombies", nil, []string{"3c", "3g"}, 6},
		// One preset keeps its arm and only its checks.
		{"zombies", []string{"webserver3g"}, []string{"3g"}, 3},
		// A preset shared by every arm keeps them all.
		{"backlog", []string{"webserver3a"}, []string{"backlog-0", "backlog-1", "backlog-5", "backlog-128"}, 12},
		// Presets the experiment does not use are ignored.
		{"head-of-line", []string{"webserver3b", "webserver3g"}, []string{"3b"}, 2},
		// No arm left: an error.
		{"head-of-line", []string{"webserver3g"}, nil, 0},
		// A check against an arm left out goes too (forking/close vs epoll/close).
		{"throughput", []string{"webserver3g"}, []string{"forking/keep-alive", "forking/close"}, 3},
	}
	for _, tt := range tests {
		e, err := Lookup(tt.exp)
		if err != nil {
			t.Fatal(err)
		}
		before := armNames(e)
		got, err := Select(e, tt.presets)
		if tt.arms == nil {
			if err == nil {
				t.Errorf("Select(%s, %v): got %d arms, want an error", tt.exp, tt.presets, len(got.Arms))
			}
			continue
		}
		if err != nil {
			t.Errorf("Select(%s, %v): got %v, want no error", tt.exp, tt.presets, err)
			continue
		}
		arms := armNames(got)
		if !slices.Equal(arms, tt.arms) || len(got.Checks) != tt.checks {
			t.Errorf("Select(%s, %v): got arms %v and %d checks, want %v and %d", tt.exp, tt.presets, arms, len(got.Checks), tt.arms, tt.checks)
		}
		for _, c := range got.Checks {
			if !slices.Contains(arms, c.Arm) {
				t.Errorf("Select(%s, %v): got a check on dropped arm %s", tt.exp, tt.presets, c.Arm)
			}
		}
		if err := got.Validate(); err != nil {
			t.Errorf("Select(%s, %v): got %v, want a valid experiment", tt.exp, tt.presets, err)
		}
		if after := armNames(e); !slices.Equal(after, before) {
			t.Errorf("Select(%s, %v): the original's arms went from %v to %v, want them untouched", tt.exp, tt.presets, before, after)
		}
	}
}

func armNames(e Experiment) []string {
	var names []string
	for _, a := range e.Arms {
		names = append(names, a.Name)
	}
	return names
}

func TestOverride(t *testing.T) {
	tests := []struct {
		name   string
		preset string
		flags  []string
		want   []string
	}{
		// a flag the preset has takes the new value; the rest stay
		{"replace", "webserver3g", []string{"--backlog", "128"}, []string{"--backlog", "128", "--reap", "waitpid-loop", "--restart-accept"}},
		// a flag it lacks is added, with its value
		{"add", "webserver3g", []string{"--idle-timeout", "10s"}, []string{"--backlog", "1024", "--reap", "waitpid-loop", "--restart-accept", "--idle-timeout", "10s"}},
		// a switch without a value is added once
		{"switch", "epoll", []string{"--block", "--delay", "1s"}, []string{"--backlog", "1024", "--block", "--delay", "1s"}},
		// a switch the preset has already is kept as it is
		{"switch kept", "webserver3d", []string{"--keep-client-fd"}, []string{"--backlog", "5", "--keep-client-fd"}},
	}
	for _, tt := range tests {
		if got := override(tt.preset, tt.flags...); !slices.Equal(got, tt.want) {
			t.Errorf("%s: override(%s, %q) = %q, want %q", tt.name, tt.preset, tt.flags, got, tt.want)
		}
	}
}
