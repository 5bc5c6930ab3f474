package trial

import (
	"context"
	"os"
	"runtime"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/runner"
)

// LabVersion is the lab's release; records carry it with the commit.
const LabVersion = "0.1.0"

// EnvAccel is how the engine's machine is virtualised, set by the one who
// booted it (scripts/vm-check.sh: tcg or kvm): the lab cannot tell TCG
// from a slow machine by itself.
const EnvAccel = "LAB_ACCEL"

// emulatedStartTimeout bounds a specimen's start on an emulated machine
// (LAB_ACCEL=tcg): there four Python containers importing Django and
// Pyramid at once took more than the native 30 s (a Debian 13 guest under
// TCG, 2026-12-08), and a trial that cannot start judges nothing.
const emulatedStartTimeout = 4 * runner.DefaultStartTimeout

// startTimeout is how long a specimen may take to listen on a machine of
// acceleration accel.
func startTimeout(accel string) time.Duration {
	if accel == experiment.AccelTCG {
		return emulatedStartTimeout
	}
	return runner.DefaultStartTimeout
}

// DescribeEnvironment gathers what a record says about where it was made,
// from the engine (never the harness's own machine, which may be a Mac in
// front of a VM or a laptop in front of a remote engine); the CPU model
// comes later, from the first probe inside the engine. What cannot be read
// is left empty rather than failing a run.
func DescribeEnvironment(ctx context.Context, commit string) experiment.Environment {
	env := experiment.Environment{LabVersion: LabVersion, LabCommit: commit, GoVersion: runtime.Version()}
	env.Host, _ = os.Hostname()
	env.Acceleration = os.Getenv(EnvAccel)
	if e, err := runner.DescribeEngine(ctx); err == nil {
		env.Engine = e
	}
	return env
}
