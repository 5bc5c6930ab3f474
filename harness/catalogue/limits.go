package catalogue

import "fmt"

// Default limits pinned on every specimen unless a preset or an experiment
// says otherwise. They are small on purpose: the lessons are about running
// out of descriptors and processes, and a lab must not take the host with it.
const (
	DefaultNoFile = 1024
	DefaultNProc  = 1024
	DefaultPids   = 1024
	DefaultCPUs   = 1.0
	DefaultMemory = 256 << 20
	// DefaultUID is the first of the non-root UIDs specimens run as; each
	// preset has its own (see limitsFor). RLIMIT_NPROC does not bind root,
	// and it counts per UID across the whole host.
	DefaultUID = 10001
)

// Limits are the resource limits pinned on a specimen's container.
type Limits struct {
	NoFile int64   `json:"nofile"` // RLIMIT_NOFILE, soft = hard (ulimit -n)
	NProc  int64   `json:"nproc"`  // RLIMIT_NPROC, soft = hard (ulimit -u); counts per UID
	Pids   int64   `json:"pids"`   // the pids cgroup limit; counts zombies too
	CPUs   float64 `json:"cpus"`   // CPU quota in cores
	Memory int64   `json:"memory"` // memory cgroup limit in bytes
	UID    int     `json:"uid"`    // the user the specimen runs as (never 0)
}

// DefaultLimits returns the limits a preset has when it pins nothing else.
func DefaultLimits() Limits {
	return Limits{
		NoFile: DefaultNoFile,
		NProc:  DefaultNProc,
		Pids:   DefaultPids,
		CPUs:   DefaultCPUs,
		Memory: DefaultMemory,
		UID:    DefaultUID,
	}
}

// Validate reports the first limit that a container could not be given.
func (l Limits) Validate() error {
	switch {
	case l.NoFile < 16:
		return fmt.Errorf("nofile %d: below 16 the specimen cannot even listen", l.NoFile)
	case l.NProc < 1:
		return fmt.Errorf("nproc %d: must be at least 1", l.NProc)
	case l.Pids < 1:
		return fmt.Errorf("pids %d: must be at least 1", l.Pids)
	case l.CPUs <= 0:
		return fmt.Errorf("cpus %g: must be positive", l.CPUs)
	case l.Memory < 6<<20:
		return fmt.Errorf("memory %d: Docker refuses less than 6 MiB", l.Memory)
	case l.UID <= 0:
		return fmt.Errorf("uid %d: specimens never run as root (RLIMIT_NPROC does not bind root)", l.UID)
	}
	return nil
}

// String renders the limits the way `lab list` shows them.
func (l Limits) String() string {
	return fmt.Sprintf("nofile=%d nproc=%d pids=%d cpus=%g mem=%dMiB uid=%d",
		l.NoFile, l.NProc, l.Pids, l.CPUs, l.Memory>>20, l.UID)
}
