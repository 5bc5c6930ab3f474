package agent

import (
	"fmt"
	"syscall"
	"time"
)

// killSettle is how long Kill waits after the signal, so that a snapshot
// taken next shows what it did: a live process is gone (or a zombie) by
// then; a zombie is unchanged, as it always is.
const killSettle = 200 * time.Millisecond

// Kill sends SIGKILL to pid, as `kill -9 PID` does in the namespace the
// agent shares, and waits killSettle. A zombie takes the signal and stays:
// it has already exited, and only its parent's wait() removes it.
func Kill(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %d: %w", pid, err)
	}
	time.Sleep(killSettle)
	return nil
}
