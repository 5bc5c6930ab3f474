package experiment

import (
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/runner"
)

// Record is one run of one experiment: what was declared, the environment,
// every raw observation, each check's values and the verdict. It is what
// results/<experiment>.json holds, and all a report needs.
type Record struct {
	Experiment  Experiment    `json:"experiment"`
	Environment Environment   `json:"environment"`
	Started     time.Time     `json:"started"`
	Finished    time.Time     `json:"finished"`
	Trials      []Trial       `json:"trials"`
	Checks      []CheckResult `json:"checks"`
	Verdict     Verdict       `json:"verdict"`
}

// Environment is where a record was made.
type Environment struct {
	Engine     runner.Engine `json:"engine"`
	CPUModel   string        `json:"cpu_model"`
	LabVersion string        `json:"lab_version"`
	LabCommit  string        `json:"lab_commit"`
	GoVersion  string        `json:"go_version"`
	Host       string        `json:"host"`
}

// Trial is one arm run once: its specimen started, its steps taken, its end.
type Trial struct {
	Arm    string           `json:"arm"`
	Trial  int              `json:"trial"` // from 1
	Preset string           `json:"preset"`
	Comm   string           `json:"comm"` // the specimen's process name in /proc
	Args   []string         `json:"args"`
	Limits catalogue.Limits `json:"limits"`
	Start  *agent.Snapshot  `json:"start_probe,omitempty"` // right after the specimen listened
	Steps  []Observation    `json:"steps"`
	Exit   runner.Exit      `json:"exit"`
	Logs   []string         `json:"logs"`
	// Previous holds, oldest first, the instances of the specimen that
	// exited and were started again (Revive): what each saw is kept.
	Previous []Instance    `json:"previous,omitempty"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	// Error is why the trial could not run; its observations are partial.
	Error string `json:"error,omitempty"`
}

// Instance is one specimen container of a trial that was replaced.
type Instance struct {
	Start *agent.Snapshot `json:"start_probe,omitempty"`
	Exit  runner.Exit     `json:"exit"`
	Logs  []string        `json:"logs"`
}

// Observation is what one step saw.
type Observation struct {
	Label   string          `json:"label"`
	Kind    StepKind        `json:"kind"`
	At      time.Duration   `json:"at_ns"` // from the trial's start
	Clients []client.Result `json:"clients,omitempty"`
	Probe   *agent.Snapshot `json:"probe,omitempty"`
}

// Outcome is a verdict's word.
type Outcome string

// The verdicts.
const (
	Reproduced    Outcome = "reproduced"
	NotReproduced Outcome = "not reproduced"
	Inconclusive  Outcome = "inconclusive"
)

// Verdict is the experiment's answer, with its reason when it is not
// "reproduced".
type Verdict struct {
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason,omitempty"`
}

// CheckResult is one check evaluated over the trials.
type CheckResult struct {
	Check  Check        `json:"check"`
	Values []TrialValue `json:"values"`
	Held   bool         `json:"held"`
	// Unavailable says why the check could not be decided, if it could not.
	Unavailable string `json:"unavailable,omitempty"`
}

// TrialValue is a metric's value in one trial, or why there is none.
type TrialValue struct {
	Trial int     `json:"trial"`
	Value float64 `json:"value"`
	Error string  `json:"error,omitempty"`
}
