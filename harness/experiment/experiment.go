// Package experiment turns the seed's claims, and the lab's own about the
// other concurrency models, into experiments: declared as data (which
// presets, which limits, which clients and timings, how many trials, what
// to observe, what is predicted and with which thresholds) and judged into a
// verdict from recorded observations. It is data in, verdict out: no Docker,
// no network, no clock. Running experiments is package trial's business.
package experiment

import (
	"fmt"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// Experiment is one claim, made testable.
type Experiment struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Seed is what the article says, in its own words, where the claim is
	// the article's; empty for the lab's own experiments.
	Seed *Quote `json:"seed,omitempty"`
	// Predicts is the lab's prediction: sharper than the seed's, specific
	// to Linux, with the numbers the checks hold it to.
	Predicts string `json:"predicts"`
	// Mechanism says in a few sentences why it happens.
	Mechanism string `json:"mechanism"`
	Arms      []Arm  `json:"arms"`
	Trials    int    `json:"trials"`
	// Parallel is how many trials may run at once; 0 or 1, one at a time.
	// Only an experiment whose lesson is what each specimen answers, not
	// when nor at what cost, may set it: parallel trials share the CPUs and
	// the engine, and would blur every lesson about timing or limits.
	Parallel int `json:"parallel,omitempty"`
	// Checks decide the verdict: every one must hold for "reproduced".
	Checks []Check `json:"checks"`
	// Views are the figures the report draws of the observations (see
	// View); they are code, not data, so a record does not keep them.
	Views []View `json:"-"`
	// SampleEvery is how often the specimen is sampled during each trial
	// (processes, zombies, descriptors, cgroup CPU and memory); 0 means
	// once a second.
	SampleEvery time.Duration `json:"sample_every_ns,omitempty"`
	// SampleSockets has every sample also count the sockets of the
	// specimen's port (agent.Sockets): the listener's accept queue, the
	// connections by state and their queues, for a timeline of them.
	SampleSockets bool `json:"sample_sockets,omitempty"`
	// FreshNamespace starts every trial's specimen beside an agent, and so
	// in network and PID namespaces, of its own. Otherwise one agent serves
	// an experiment's trials in turn, its namespace emptied of processes
	// between them (a container's start is most of a trial's set-up); the
	// experiments whose trials open thousands of connections set it, so
	// that no trial meets the TIME_WAIT sockets of the one before.
	FreshNamespace bool `json:"fresh_namespace,omitempty"`
}

// Quote is the article's own words, and where they stand: its prose, or
// the code of its programs, as Code says. Claim names the claim of the
// article (Claims) it quotes, which holds it to the claim's part, place,
// numbers and terms.
type Quote struct {
	Words  string `json:"words"`
	Source string `json:"source"`         // where in the part: a program, or a passage, e.g. "webserver3d.py"
	Part   int    `json:"part,omitempty"` // the article's part, 1 to 3
	Code   bool   `json:"code,omitempty"` // the words are a program's, not the prose's
	Claim  string `json:"claim,omitempty"`
}

// Cite says where a quote stands and what it is: "Part 3, webserver3d.py,
// its prose".
func (q Quote) Cite() string {
	kind := "its prose"
	if q.Code {
		kind = "its code"
	}
	if q.Part == 0 { // a record made before quotes said their part
		return q.Source
	}
	return fmt.Sprintf("Part %d, %s, %s", q.Part, q.Source, kind)
}

// Arm is one preset under one set of conditions.
type Arm struct {
	Name   string `json:"name"`   // unique in the experiment, e.g. "3b" or "backlog-5"
	Preset string `json:"preset"` // catalogue preset
	// Args replace the preset's flags when not nil (--wire and --port are
	// added); Wire replaces its wire when set.
	Args   []string          `json:"args,omitempty"`
	Wire   string            `json:"wire,omitempty"`
	Limits *catalogue.Limits `json:"limits,omitempty"` // nil: the preset's
	// Pin puts the specimen on CPU 0 and its agent, which generates the
	// load, on CPU 1: on two cores, each has its own.
	Pin bool `json:"pin,omitempty"`
	// StandsIn names the article's program this arm plays when its preset
	// is another one (3c standing in for 3d), for the report's departures.
	StandsIn string `json:"stands_in,omitempty"`
	Steps    []Step `json:"steps"`
}

// StepKind names what a step does.
type StepKind string

// The steps an arm can take, in order, after its specimen listens.
const (
	StepClient StepKind = "client" // run the lab's client in the agent
	StepWait   StepKind = "wait"   // let time pass
	StepProbe  StepKind = "probe"  // read /proc in the specimen's namespaces
	StepAwait  StepKind = "await"  // wait for every background step to end
	StepLoad   StepKind = "load"   // run the lab's load generator in the agent
	// StepHostile runs the hostile-input corpus in the agent; Wait is the
	// specimen's idle timeout, which the slow cases wait against.
	StepHostile StepKind = "hostile"
)

// Step is one thing an arm does. Every arm is also probed right after its
// specimen starts, sampled throughout, and its logs and exit state are read
// at the end.
type Step struct {
	Kind   StepKind      `json:"kind"`
	Label  string        `json:"label"`
	Client *ClientStep   `json:"client,omitempty"`
	Load   *LoadStep     `json:"load,omitempty"`
	Wait   time.Duration `json:"wait_ns,omitempty"`
	// Background starts a client or load step and goes on with the next
	// step at once, so that a probe can look while the clients wait; an
	// await step, or the arm's end, waits for it.
	Background bool `json:"background,omitempty"`
	// Sockets has a probe also list the TCP connections of the specimen's
	// port and each process's socket inodes.
	Sockets bool `json:"sockets,omitempty"`
}

// ClientStep is a run of the lab's client.
type ClientStep struct {
	Clients int           `json:"clients"`
	Conns   int           `json:"conns"`
	Timeout time.Duration `json:"timeout_ns"`
	Ramp    time.Duration `json:"ramp_ns"`
	Path    string        `json:"path,omitempty"`
	Raw     string        `json:"raw,omitempty"`
	// Hold keeps each connection open this long after its reply, or after
	// sending a partial Raw request, as idle or stalled clients do.
	Hold time.Duration `json:"hold_ns,omitempty"`
	// Every repeats each client's connections this far apart (a probe
	// asking every 100 ms) instead of one after another.
	Every time.Duration `json:"every_ns,omitempty"`
	// Revive starts the specimen again first if it has exited, for arms
	// that check replies of a preset whose lesson ends in its death (3e).
	Revive bool `json:"revive,omitempty"`
	// Summary keeps the counts of the connections' outcomes instead of a
	// record per connection: ten thousand idle clients would make a record
	// of megabytes.
	Summary bool `json:"summary,omitempty"`
}

// LoadStep is a run of the lab's load generator against the specimen.
type LoadStep struct {
	Connections int           `json:"connections"`
	Duration    time.Duration `json:"duration_ns"`
	// Timeout bounds a connect, and a response from its request's send;
	// 0 is the load generator's default.
	Timeout   time.Duration `json:"timeout_ns,omitempty"`
	KeepAlive bool          `json:"keepalive"`
	// Rate, when set, is the open model: requests per second at constant
	// intervals, latency from each request's intended start.
	Rate int `json:"rate,omitempty"`
	// RateOf and Fraction set the open model's rate from the capacity an
	// earlier load step of the same trial measured (its label): Fraction
	// of its requests per second.
	RateOf   string  `json:"rate_of,omitempty"`
	Fraction float64 `json:"fraction,omitempty"`
	Path     string  `json:"path,omitempty"`
	// Trace counts the specimen's system calls over the run (ptrace, in
	// the agent): every call stops its thread twice, so a traced run is
	// slower, and what it costs is measured beside an untraced one.
	Trace bool `json:"trace,omitempty"`
}

// OfStep returns t with the connections of its client steps other than
// label left out (probes, samples and logs stay); all of them when label is "".
func OfStep(t Trial, label string) Trial {
	if label == "" {
		return t
	}
	steps := make([]Observation, 0, len(t.Steps))
	for _, s := range t.Steps {
		if s.Label != label {
			s.Clients, s.Summary = nil, nil
		}
		steps = append(steps, s)
	}
	t.Steps = steps
	return t
}

// Validate reports what makes the experiment unrunnable: unknown presets
// or arms, steps without their parameters, checks that read a step their
// arm does not take.
func (e Experiment) Validate() error {
	if e.Name == "" || e.Trials < 1 || len(e.Arms) == 0 || len(e.Checks) == 0 {
		return fmt.Errorf("experiment %q: needs a name, trials, arms and checks", e.Name)
	}
	if e.Parallel < 0 {
		return fmt.Errorf("experiment %s: parallel %d: must not be negative", e.Name, e.Parallel)
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
		if a.Pin && e.Parallel > 1 {
			return fmt.Errorf("experiment %s arm %s: pinned to its CPUs, so its trials cannot run in parallel", e.Name, a.Name)
		}
		if a.Wire != "" && a.Wire != catalogue.WireSeed && a.Wire != catalogue.WireHTTP {
			return fmt.Errorf("experiment %s arm %s: wire %q", e.Name, a.Name, a.Wire)
		}
		for _, s := range a.Steps {
			switch {
			case s.Kind == StepClient && s.Client == nil:
				return fmt.Errorf("experiment %s arm %s: client step %q has no client", e.Name, a.Name, s.Label)
			case s.Kind == StepLoad && s.Load == nil:
				return fmt.Errorf("experiment %s arm %s: load step %q has no load", e.Name, a.Name, s.Label)
			case s.Background && s.Kind != StepClient && s.Kind != StepLoad:
				return fmt.Errorf("experiment %s arm %s: only client and load steps run in the background, not %q", e.Name, a.Name, s.Label)
			}
		}
	}
	for _, c := range e.Checks {
		if !arms[c.Arm] || (c.Versus != "" && !arms[c.Versus]) {
			return fmt.Errorf("experiment %s: check on unknown arm %q or %q", e.Name, c.Arm, c.Versus)
		}
		if c.Metric.fn == nil {
			return fmt.Errorf("experiment %s: %s: a metric not declared with its constructor", e.Name, c)
		}
		for _, arm := range []string{c.Arm, c.Versus} {
			if arm == "" {
				continue
			}
			a, _ := e.Arm(arm)
			for _, r := range c.Metric.reads {
				if !a.has(r) {
					return fmt.Errorf("experiment %s: %s: arm %s has no %s step %q", e.Name, c, arm, r.kind, r.label)
				}
			}
		}
		if _, ok := ops[c.Op]; !ok {
			return fmt.Errorf("experiment %s: unknown op %q", e.Name, c.Op)
		}
		if c.Over != Every && c.Over != Any {
			return fmt.Errorf("experiment %s: check over %q, want every or any", e.Name, c.Over)
		}
	}
	for i, v := range e.Views {
		r, ok := v.(stepReader)
		if !ok {
			continue
		}
		for _, ref := range r.reads() {
			for _, a := range e.Arms {
				if !a.has(ref) {
					return fmt.Errorf("experiment %s: view %d (%T): arm %s has no %s step %q", e.Name, i+1, v, a.Name, ref.kind, ref.label)
				}
			}
		}
	}
	return nil
}

// has says whether the arm takes a step of r's kind and label.
func (a Arm) has(r stepRef) bool {
	for _, s := range a.Steps {
		if s.Kind == r.kind && s.Label == r.label {
			return true
		}
	}
	return false
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

// Select returns e with only the arms of the given presets, and the checks on
// them; it errors if none is left.
func Select(e Experiment, presets []string) (Experiment, error) {
	if len(presets) == 0 {
		return e, nil
	}
	keep := map[string]bool{}
	for _, p := range presets {
		keep[p] = true
	}
	arms, checks := e.Arms[:0:0], e.Checks[:0:0]
	names := map[string]bool{}
	for _, a := range e.Arms {
		if keep[a.Preset] {
			arms = append(arms, a)
			names[a.Name] = true
		}
	}
	for _, c := range e.Checks {
		// A check against another arm goes with either arm left out.
		if names[c.Arm] && (c.Versus == "" || names[c.Versus]) {
			checks = append(checks, c)
		}
	}
	if len(arms) == 0 {
		return e, fmt.Errorf("experiment %s has no arm for %v", e.Name, presets)
	}
	e.Arms, e.Checks = arms, checks
	return e, nil
}
