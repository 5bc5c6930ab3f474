package experiment

import (
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/corpus"
	"github.com/serverlab/serverlab/harness/load"
	"github.com/serverlab/serverlab/harness/syscalls"
)

// Record is one run of one experiment: what was declared, the environment,
// every raw observation, each check's values and the verdict. It is what
// results/<experiment>.json holds, and all a report needs. It is plain data:
// judging and drawing it needs no engine.
type Record struct {
	Experiment  Experiment    `json:"experiment"`
	Environment Environment   `json:"environment"`
	Started     time.Time     `json:"started"`
	Finished    time.Time     `json:"finished"`
	Trials      []Trial       `json:"trials"`
	Checks      []CheckResult `json:"checks"`
	Verdict     Verdict       `json:"verdict"`
	// Presets is the selection a partial run kept (lab run --preset): the
	// record then holds only those arms, and never stands for the whole.
	Presets []string `json:"presets,omitempty"`
}

// Partial says whether the record holds only some of the experiment's arms.
func (r Record) Partial() bool { return len(r.Presets) > 0 }

// SampleEvery says how often the record's trials were sampled: "100ms",
// or "1s" when the experiment left it to the default.
func (r Record) SampleEvery() string {
	if r.Experiment.SampleEvery > 0 {
		return r.Experiment.SampleEvery.String()
	}
	return "1s"
}

// Environment is where a record was made.
type Environment struct {
	Engine     Engine `json:"engine"`
	CPUModel   string `json:"cpu_model"`
	LabVersion string `json:"lab_version"`
	LabCommit  string `json:"lab_commit"`
	GoVersion  string `json:"go_version"`
	Host       string `json:"host"`
	// Neighbour is the busy neighbour the run had beside it (lab run
	// --neighbour), "" for none.
	Neighbour string `json:"neighbour,omitempty"`
	// Acceleration is how the machine that ran the engine was virtualised,
	// as the one who booted it says ($LAB_ACCEL): "tcg" (software
	// emulation: every instruction translated, so timings are not the
	// kernel's), "kvm"; "" where the lab did not boot the machine.
	Acceleration string `json:"acceleration,omitempty"`
}

// Emulated says whether the run's machine was emulated in software: its
// timings and costs say more of the emulator than of the kernel.
func (e Environment) Emulated() bool { return e.Acceleration == AccelTCG }

// Accelerations a record names.
const (
	AccelTCG = "tcg"
	AccelKVM = "kvm"
)

// Engine describes the Docker engine and the kernel it runs on: the lessons
// are the kernel's.
type Engine struct {
	Kernel        string `json:"kernel"`
	DockerVersion string `json:"docker_version"`
	// APIVersion is the highest API the engine speaks; ClientAPIVersion
	// the one the lab's client settled on with it.
	APIVersion       string `json:"api_version,omitempty"`
	ClientAPIVersion string `json:"client_api_version,omitempty"`
	CgroupVersion    string `json:"cgroup_version"`
	// CgroupDriver is the engine's: cgroupfs or systemd.
	CgroupDriver string `json:"cgroup_driver,omitempty"`
	OS           string `json:"os"`
	Arch         string `json:"arch"`
	CPUs         int    `json:"cpus"`
	MemoryBytes  int64  `json:"memory_bytes"`
}

// Trial is one arm run once: its specimen started, its steps taken, its end.
type Trial struct {
	Arm    string           `json:"arm"`
	Trial  int              `json:"trial"` // from 1
	Preset string           `json:"preset"`
	Comm   string           `json:"comm"` // the specimen's process name in /proc
	Args   []string         `json:"args"`
	Wire   string           `json:"wire"`
	Limits catalogue.Limits `json:"limits"`
	// Seccomp is the seccomp profile the specimen ran under, by its path
	// in the repository, when not the engine's default (the uring
	// specimen's, which lets io_uring through where Docker 25 and later
	// block it): a departure from a default run.
	Seccomp string          `json:"seccomp,omitempty"`
	Start   *agent.Snapshot `json:"start_probe,omitempty"` // right after the specimen listened
	Steps   []Observation   `json:"steps"`
	// Samples are what the sampler saw, every Experiment.SampleEvery, from
	// the start probe to the end: counts and the cgroup's CPU and memory.
	Samples []agent.Sample `json:"samples,omitempty"`
	Exit    Exit           `json:"exit"`
	Logs    []string       `json:"logs"`
	// Previous holds, oldest first, the instances of the specimen that
	// exited and were started again (Revive): what each saw is kept.
	Previous []Instance    `json:"previous,omitempty"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	// Overhead is the part of Elapsed spent outside the arm's steps:
	// starting the agent and the specimen, the start probe, reading the
	// exit and the logs, removing the containers. Elapsed less Overhead
	// is the time spent measuring.
	Overhead time.Duration `json:"overhead_ns,omitempty"`
	// AgentServed is how many trials the agent this one ran beside had
	// served before it (Experiment.FreshNamespace): 0 for an agent, and
	// namespaces, of its own.
	AgentServed int `json:"agent_served,omitempty"`
	// Error is why the trial could not run; its observations are partial.
	Error string `json:"error,omitempty"`
}

// Exit is the specimen container's state at the end of a trial.
type Exit struct {
	Running  bool      `json:"running"`
	ExitCode int       `json:"exit_code"`
	OOM      bool      `json:"oom_killed"`
	Finished time.Time `json:"finished,omitzero"`
}

// Instance is one specimen container of a trial that was replaced.
type Instance struct {
	Start *agent.Snapshot `json:"start_probe,omitempty"`
	Exit  Exit            `json:"exit"`
	Logs  []string        `json:"logs"`
}

// Observation is what one step saw.
type Observation struct {
	Label   string          `json:"label"`
	Kind    StepKind        `json:"kind"`
	At      time.Duration   `json:"at_ns"` // from the trial's start
	Clients []client.Result `json:"clients,omitempty"`
	Summary *client.Summary `json:"summary,omitempty"` // instead of Clients (ClientStep.Summary)
	Load    *LoadRun        `json:"load,omitempty"`
	Hostile []corpus.Result `json:"hostile,omitempty"`
	Probe   *agent.Snapshot `json:"probe,omitempty"`
}

// LoadRun is one run of the load generator and what the specimen spent on
// it: its cgroup read just before and just after, so that CPU per request
// is the specimen's own, over exactly that run.
type LoadRun struct {
	Result load.Result   `json:"result"`
	Before *agent.Sample `json:"before,omitempty"`
	After  *agent.Sample `json:"after,omitempty"`
	// Syscalls are the specimen's system calls over the run, when its
	// step traced them (LoadStep.Trace).
	Syscalls *syscalls.Counts `json:"syscalls,omitempty"`
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
	// Emulated says the check was shown and not judged: its metric is
	// Timed and the machine was emulated (JudgeOn). Held still says what
	// the comparison gave.
	Emulated bool `json:"emulated,omitempty"`
	// Margin is the deciding trial's margin (DecidingMargin): the worst
	// of the decided trials for an every check, the best for an any
	// check; nil when no trial gave a value.
	Margin *float64 `json:"margin,omitempty"`
}

// TrialValue is a metric's value in one trial, or why there is none.
type TrialValue struct {
	Trial int     `json:"trial"`
	Value float64 `json:"value"`
	Error string  `json:"error,omitempty"`
	// Margin is how far Value is from the check's threshold, on the side
	// where it holds (see Margin); meaningful only when Error is empty.
	Margin float64 `json:"margin"`
}
