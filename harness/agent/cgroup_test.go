package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadCgroupLayouts(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		want Cgroup
	}{
		// recorded from a container of this machine (v1: a tree per controller)
		{"v1", "testdata/cgroup/v1", Cgroup{Layout: CgroupV1, CPUUser: 20 * time.Millisecond, CPUSystem: 12 * time.Millisecond,
			Memory: 3342336, Anon: 397312, MemoryLimit: 67108864, PidsCurrent: 4, PidsMax: 50, PidsRefused: 0}},
		// recorded in scripts/vm-check.sh's Debian 13 guest (v2: one
		// unified tree), webserver3c after 5 requests: the server and 5 zombies
		{"v2", "testdata/cgroup/v2", Cgroup{Layout: CgroupV2, CPUUser: 333612 * time.Microsecond, CPUSystem: 495911 * time.Microsecond,
			Memory: 401408, Anon: 49152, MemoryLimit: 268435456, PidsCurrent: 6, PidsMax: 400, PidsRefused: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCgroup(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ReadCgroup(%s)\n got %+v\nwant %+v", tt.dir, got, tt.want)
			}
		})
	}
}

// copyTree copies a recorded tree so that a test may change a file of it.
func copyTree(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	err := filepath.Walk(from, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		write(t, filepath.Join(to, rel), string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

func TestReadCgroupLimits(t *testing.T) {
	tests := []struct {
		name   string
		tree   string
		file   string
		value  string
		check  func(Cgroup) (got, want int64)
		errHas string
	}{
		// v2 writes "max" for no limit
		{"v2 pids max", "v2", "pids.max", "max\n", func(c Cgroup) (int64, int64) { return c.PidsMax, -1 }, ""},
		// v2 memory without a limit
		{"v2 memory max", "v2", "memory.max", "max\n", func(c Cgroup) (int64, int64) { return c.MemoryLimit, -1 }, ""},
		// v1 writes the largest page-aligned number for no memory limit
		{"v1 memory unlimited", "v1", "memory/memory.limit_in_bytes", "9223372036854771712\n", func(c Cgroup) (int64, int64) { return c.MemoryLimit, -1 }, ""},
		// v2: the pids limit refused forks (pids.events counts them in "max")
		{"v2 pids refused", "v2", "pids.events", "max 17\n", func(c Cgroup) (int64, int64) { return c.PidsRefused, 17 }, ""},
		// v1: the pids limit refused forks
		{"v1 pids refused", "v1", "pids/pids.events", "max 3\n", func(c Cgroup) (int64, int64) { return c.PidsRefused, 3 }, ""},
		// a file that is not a number is an error that names it
		{"garbage", "v2", "memory.current", "lots\n", nil, "memory.current"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyTree(t, filepath.Join("testdata", "cgroup", tt.tree))
			write(t, filepath.Join(dir, tt.file), tt.value)
			c, err := ReadCgroup(dir)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Errorf("got error %v, want one naming %s", err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.check(c); got != want {
				t.Errorf("got %d, want %d", got, want)
			}
		})
	}
}

func TestReadCgroupNeither(t *testing.T) {
	if _, err := ReadCgroup(t.TempDir()); err == nil {
		t.Error("an empty folder: got no error, want one")
	}
}
