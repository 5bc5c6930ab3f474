package agent

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Serve is the agent's life as PID 1 of the namespaces it holds: it waits
// until ctx is done or SIGTERM/SIGINT comes, and meanwhile reaps every orphan
// reparented to it. The agent owns the namespaces (like a pod's pause
// container) so that it outlives a specimen that dies, which is how several
// lessons end; a specimen's orphans then become its children, and an init
// that did not reap them would leave zombies that are not the specimen's.
func Serve(ctx context.Context, ready func()) error {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	defer signal.Stop(sigs)
	if ready != nil {
		ready()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig := <-sigs:
			if sig != syscall.SIGCHLD {
				return nil
			}
			reap()
		}
	}
}

// reap collects every exited child. Signals do not queue (the 3f lesson), so
// one SIGCHLD may stand for many children: loop until none is left.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}
