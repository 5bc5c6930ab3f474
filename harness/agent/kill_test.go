package agent

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// A child left unwaited is a zombie; Kill's SIGKILL leaves it one, while
// it ends a live child (which then is a zombie until waited for).
func TestKillLeavesAZombie(t *testing.T) {
	state := func(pid int) string {
		p, err := readProcess(filepath.Join("/proc", strconv.Itoa(pid)), pid, false)
		if err != nil {
			t.Fatalf("read /proc/%d: %v", pid, err)
		}
		return p.State
	}
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep:", err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	if err := Kill(pid); err != nil {
		t.Fatal(err)
	}
	if s := state(pid); s != "Z" {
		t.Fatalf("after kill -9 of the live child: state %s, want Z (killed, not yet waited for)", s)
	}
	if err := Kill(pid); err != nil {
		t.Fatalf("kill -9 of a zombie: %v (the kernel takes it)", err)
	}
	if s := state(pid); s != "Z" {
		t.Errorf("after kill -9 of the zombie: state %s, want Z still", s)
	}
}
