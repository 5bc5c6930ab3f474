//go:build linux

package syscalls

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestTraceFollowsForks traces a shell that, once traced, forks five
// children: each fork and each wait must be counted, the children's own
// calls with them, and the shell must end as it would untraced.
func TestTraceFollowsForks(t *testing.T) {
	// The tracee must not be the test's child, as a specimen is not the
	// agent's: the tracer's wait4(-1) would reap a child's exit. A shell
	// in the background of a shell that exits at once is init's.
	dir := t.TempDir()
	script := fmt.Sprintf("while [ ! -e %[1]s/go ]; do sleep 0.05; done; for i in 1 2 3 4 5; do /bin/true; done; echo done > %[1]s/out", dir)
	b, err := exec.Command("/bin/sh", "-c", "/bin/sh -c '"+script+"' >/dev/null 2>&1 & echo $!").Output()
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pid %q: %v", b, err)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	tr, err := Start("/proc", []int{pid})
	if err != nil {
		t.Skipf("cannot trace here: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out []byte
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if out, _ = os.ReadFile(filepath.Join(dir, "out")); len(out) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("traced shell did not end")
		}
	}
	c, err := tr.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "done\n" {
		t.Errorf("shell wrote %q, want done", out)
	}
	if forks := c.Of("clone", "clone3", "fork", "vfork"); forks < 5 {
		t.Errorf("forks counted %d, want at least 5: %v", forks, c.Calls)
	}
	if execs := c.Of("execve"); execs < 5 {
		t.Errorf("execs counted %d, want 5 (one per child): %v", execs, c.Calls)
	}
	if waits := c.Of("wait4", "waitid"); waits < 5 {
		t.Errorf("waits counted %d, want at least 5: %v", waits, c.Calls)
	}
	if c.Tasks < 6 {
		t.Errorf("tasks %d, want the shell and its 5 children", c.Tasks)
	}
	if c.Stops < 2*c.Total() {
		t.Errorf("stops %d, want at least two per call (%d)", c.Stops, c.Total())
	}
	t.Logf("counted: %v (tasks %d, stops %d)", c.Calls, c.Tasks, c.Stops)
	if again, _ := tr.Stop(); again.Total() != c.Total() {
		t.Errorf("a second Stop counted %d, the first %d", again.Total(), c.Total())
	}
}

func TestCounts(t *testing.T) {
	c := Counts{Calls: map[string]int64{"read": 3, "write": 3, "epoll_wait": 1, "epoll_pwait": 2}}
	if got := c.Of("epoll_wait", "epoll_pwait"); got != 3 {
		t.Errorf("Of = %d, want 3", got)
	}
	if got := c.Total(); got != 9 {
		t.Errorf("Total = %d, want 9", got)
	}
	if got := strings.Join(c.Names(), " "); got != "read write epoll_pwait epoll_wait" {
		t.Errorf("Names = %s", got)
	}
}
