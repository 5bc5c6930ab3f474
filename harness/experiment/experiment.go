// Package experiment turns the seed's claims into experiments: declared as
// data (which presets, which limits, which clients and timings, how many
// trials, what to observe, what the seed predicts and with which
// thresholds), run against specimens through the runner, and judged into a
// verdict. Raw observations are kept so that any report can be redrawn.
package experiment

import (
	"fmt"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// Experiment is one claim of the seed, made testable.
type Experiment struct {
	Name   string `json:"name"`
	Title  string `json:"title"`
	Claim  string `json:"claim"` // what the seed says will happen
	Arms   []Arm  `json:"arms"`
	Trials int    `json:"trials"`
	// Checks decide the verdict: every one must hold for "reproduced".
	Checks []Check `json:"checks"`
}

// Arm is one preset under one set of conditions.
type Arm struct {
	Name   string            `json:"name"`   // unique in the experiment, e.g. "3b" or "backlog-5"
	Preset string            `json:"preset"` // catalogue preset
	Args   []string          `json:"args,omitempty"`
	Limits *catalogue.Limits `json:"limits,omitempty"` // nil: the preset's
	Steps  []Step            `json:"steps"`
}

// StepKind names what a step does.
type StepKind string

// The steps an arm can take, in order, after its specimen listens.
const (
	StepClient StepKind = "client" // run the lab's client in the agent
	StepWait   StepKind = "wait"   // let time pass
	StepProbe  StepKind = "probe"  // read /proc in the specimen's namespaces
)

// Step is one thing an arm does. Every arm is also probed right after its
// specimen starts, and its logs and exit state are read at the end.
type Step struct {
	Kind   StepKind      `json:"kind"`
	Label  string        `json:"label"`
	Client *ClientStep   `json:"client,omitempty"`
	Wait   time.Duration `json:"wait_ns,omitempty"`
}

// ClientStep is a run of the lab's client.
type ClientStep struct {
	Clients int           `json:"clients"`
	Conns   int           `json:"conns"`
	Timeout time.Duration `json:"timeout_ns"`
	Ramp    time.Duration `json:"ramp_ns"`
	Path    string        `json:"path,omitempty"`
	Raw     string        `json:"raw,omitempty"`
	// Revive starts the specimen again first if it has exited, for arms
	// that check replies of a preset whose lesson ends in its death (3e).
	Revive bool `json:"revive,omitempty"`
}

// Quantifier says over which trials a check must hold.
type Quantifier string

// Quantifiers.
const (
	Every Quantifier = "every" // in every trial
	Any   Quantifier = "any"   // in at least one trial
)

// Check is one prediction: metric (of arm, over trials) op value.
type Check struct {
	Arm    string     `json:"arm"`
	Metric string     `json:"metric"`        // a name from Metrics
	Arg    string     `json:"arg,omitempty"` // the metric's parameter, if it takes one
	Op     string     `json:"op"`            // ==, !=, <=, >=, <, >
	Value  float64    `json:"value"`
	Over   Quantifier `json:"over"`
	Why    string     `json:"why"` // the seed's reason, shown in the report
}

// String renders the check as the report shows it.
func (c Check) String() string {
	m := c.Metric
	if c.Arg != "" {
		m += fmt.Sprintf("(%s)", c.Arg)
	}
	return fmt.Sprintf("%s: %s %s %g in %s trial", c.Arm, m, c.Op, c.Value, c.Over)
}

// Validate reports what makes the experiment unrunnable: unknown presets,
// arms or metrics, steps without their parameters.
func (e Experiment) Validate() error {
	if e.Name == "" || e.Trials < 1 || len(e.Arms) == 0 || len(e.Checks) == 0 {
		return fmt.Errorf("experiment %q: needs a name, trials, arms and checks", e.Name)
	}
	arms := map[string]bool{}
	for _, a := range e.Arms {
		if arms[a.Name] {
			return fmt.Errorf("experiment %s: arm %q twice", e.Name, a.Name)
		}
		arms[a.Name] = true
		if _, err := catalogue.LookupPreset(a.Preset); err != nil {
			return fmt.Errorf("experiment %s arm %s: %w", e.Name, a.Name, err)
		}
		for _, s := range a.Steps {
			if s.Kind == StepClient && s.Client == nil {
				return fmt.Errorf("experiment %s arm %s: client step %q has no client", e.Name, a.Name, s.Label)
			}
		}
	}
	for _, c := range e.Checks {
		if !arms[c.Arm] {
			return fmt.Errorf("experiment %s: check on unknown arm %q", e.Name, c.Arm)
		}
		if _, ok := metrics[c.Metric]; !ok {
			return fmt.Errorf("experiment %s: unknown metric %q", e.Name, c.Metric)
		}
		if _, ok := ops[c.Op]; !ok {
			return fmt.Errorf("experiment %s: unknown op %q", e.Name, c.Op)
		}
		if c.Over != Every && c.Over != Any {
			return fmt.Errorf("experiment %s: check over %q, want every or any", e.Name, c.Over)
		}
	}
	return nil
}

// Arm returns the arm called name.
func (e Experiment) Arm(name string) (Arm, bool) {
	for _, a := range e.Arms {
		if a.Name == name {
			return a, true
		}
	}
	return Arm{}, false
}
