package experiment

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestChecksReadBack: every check of the suite, written as a record writes
// it and read again, is the same check: its metric binds again by name and
// parameter to the constructor the suite used, reading the same steps.
func TestChecksReadBack(t *testing.T) {
	for _, e := range Suite() {
		for _, c := range e.Checks {
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatalf("%s: %s: %v", e.Name, c, err)
			}
			var got Check
			if err := json.Unmarshal(b, &got); err != nil {
				t.Errorf("%s: %s: read back: %v", e.Name, c, err)
				continue
			}
			if got.String() != c.String() || got.Why != c.Why || !reflect.DeepEqual(got.Metric.reads, c.Metric.reads) {
				t.Errorf("%s: got %s reading %v, want %s reading %v", e.Name, got, got.Metric.reads, c, c.Metric.reads)
			}
		}
	}
}

// TestCheckReadFails: a record that names a metric, a parameter or an op
// that does not exist fails as it is read, not as it is judged.
func TestCheckReadFails(t *testing.T) {
	tests := []struct {
		json, want string
	}{
		// A metric no constructor makes.
		{`{"arm":"3c","metric":"zombiez","op":"==","value":0,"over":"every"}`, `unknown metric "zombiez"`},
		// A duration that is none.
		{`{"arm":"3b","metric":"staircase","arg":"one second","op":"<=","value":0.25,"over":"every"}`, "needs a positive duration"},
		// A parameter on a metric that takes none.
		{`{"arm":"3c","metric":"zombies","arg":"during","op":"==","value":0,"over":"every"}`, "takes no parameter"},
		// A probe metric without its step.
		{`{"arm":"3c","metric":"live_children","op":"==","value":0,"over":"every"}`, "needs the label of a probe step"},
		// A process limit that is neither.
		{`{"arm":"nproc-400","metric":"process_limit_margin","arg":"ulimit","op":">=","value":-1,"over":"every"}`, "needs nproc or pids"},
		// An op that compares nothing.
		{`{"arm":"3c","metric":"zombies","op":"~","value":0,"over":"every"}`, `unknown op "~"`},
	}
	for _, tt := range tests {
		var c Check
		err := json.Unmarshal([]byte(tt.json), &c)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", tt.json, err, tt.want)
		}
	}
}

// TestValidateFindsSteps: a check that reads a step its arm does not take
// fails Validate, before any container starts.
func TestValidateFindsSteps(t *testing.T) {
	e := clientHang()
	if err := e.Validate(); err != nil {
		t.Fatalf("client-hang: %v", err)
	}
	// A probe of another label than the arm's.
	e.Checks = append(e.Checks, check("3c", LiveChildren(probe("during the wait")), EQ, 0, "a typo"))
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), `no probe step "during the wait"`) {
		t.Errorf("got %v, want the missing probe step named", err)
	}
	// The right label on a step of another kind: a client step, not a probe.
	e = clientHang()
	label := e.Arms[0].Steps[0].Label
	e.Checks = append(e.Checks, check("3c", Processes(probe(label)), EQ, 1, "a client step read as a probe"))
	if err := e.Validate(); err == nil || !strings.Contains(err.Error(), "no probe step") {
		t.Errorf("got %v, want the step's kind refused", err)
	}
}

// sameJSON says whether a and b write the same JSON: how records compare,
// since a check's metric binds a function, which reflect.DeepEqual cannot.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
