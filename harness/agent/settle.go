package agent

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// settlePoll is how often Settle looks again for processes still there.
const settlePoll = 5 * time.Millisecond

// Settle empties the namespace for the next specimen: it kills every
// process of the PID namespace under root (a procfs) but PID 1, the agent,
// and the caller, then waits until they are gone, reaped by the agent or by
// the engine. An agent serves several trials one after another, and what
// one trial left (the specimen itself, its orphans and zombies, a sampler or
// a client whose stream was closed) must not be counted in the next. The
// specimen runs under another UID: the agent signals it with CAP_KILL
// (without it, the signal fails and Settle waits for the engine to stop the
// specimen's container). It fails, naming what is left, when ctx ends first.
func Settle(ctx context.Context, root string) error {
	self := os.Getpid()
	for {
		left, err := others(root, self)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			return nil
		}
		for _, pid := range left {
			// EPERM: another UID's, without CAP_KILL; ESRCH: gone.
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("settle: processes %v are still there: %w", left, ctx.Err())
		case <-time.After(settlePoll):
		}
	}
}

// others lists the processes under root but PID 1 and self.
func others(root string, self int) ([]int, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("settle: %w", err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == 1 || pid == self {
			continue
		}
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids, nil
}
