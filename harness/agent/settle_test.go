package agent

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// settleProc is a procfs stand-in listing PID 1, this process and pids, so
// that Settle never looks at (or signals) the host's processes.
func settleProc(t *testing.T, pids ...int) string {
	t.Helper()
	root := t.TempDir()
	for _, name := range append([]string{"1", strconv.Itoa(os.Getpid()), "self", "net"}, itoas(pids)...) {
		if err := os.Mkdir(filepath.Join(root, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func itoas(pids []int) []string {
	var s []string
	for _, p := range pids {
		s = append(s, strconv.Itoa(p))
	}
	return s
}

// TestSettleKillsAndWaits: a leftover process is killed, and Settle returns
// only once it is gone from the listing (here, once it has been reaped).
func TestSettleKillsAndWaits(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep to start: %v", err)
	}
	pid := cmd.Process.Pid
	root := settleProc(t, pid)
	reaped := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		time.Sleep(50 * time.Millisecond) // gone a while after the kill, as a reaped zombie is
		_ = os.Remove(filepath.Join(root, strconv.Itoa(pid)))
		reaped <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := Settle(ctx, root); err != nil {
		t.Fatalf("settle: %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("settle returned after %v, before the process was gone", d)
	}
	<-reaped
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Errorf("the leftover ended %v, want killed by SIGKILL", cmd.ProcessState)
	}
}

// TestSettleFailsNamingWhatIsLeft: a process that does not go (here a pid
// no process has, listed all the same) makes Settle fail when ctx ends,
// naming it; PID 1 and Settle's own process are never counted.
func TestSettleFailsNamingWhatIsLeft(t *testing.T) {
	const ghost = 1 << 22 // above pid_max's ceiling: no process has it
	root := settleProc(t, ghost)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := Settle(ctx, root)
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(ghost)) {
		t.Fatalf("settle: %v, want an error naming %d", err, ghost)
	}
	if strings.Contains(err.Error(), "[1 ") || strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Errorf("settle counted PID 1 or itself: %v", err)
	}
}

// TestSettleEmpty: nothing but PID 1 and the caller: done at once.
func TestSettleEmpty(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := Settle(ctx, settleProc(t)); err != nil {
		t.Fatal(err)
	}
}
