package agent

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestTakeSample(t *testing.T) {
	root := fakeProc(t)
	write(t, filepath.Join(root, "loadavg"), "0.10 0.20 0.30 2/345 6789\n")
	write(t, filepath.Join(root, "sys", "fs", "file-nr"), "2208\t0\t9223372036854775807\n")
	cg := copyTree(t, "testdata/cgroup/v1")
	if err := os.MkdirAll(filepath.Join(root, "7", "root", "sys", "fs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(cg, CgroupDir(root, 7)); err != nil {
		t.Fatal(err)
	}
	page := int64(os.Getpagesize())
	tests := []struct {
		name string
		comm string
		want Sample
	}{
		// the forking server, its live child and its two zombies
		{"forking", "forking", Sample{Server: 7, Processes: 4, Zombies: 2, Threads: 4, FDs: 5, RSS: 4 * 181 * page, HostTasks: 345, HostFiles: 2208}},
		// no server of that name: only the host's counts
		{"absent", "iterative", Sample{FDs: -1, HostTasks: 345, HostFiles: 2208}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TakeSample(root, tt.comm, 0)
			if got.Taken.IsZero() {
				t.Error("Taken is zero")
			}
			if (got.Cgroup != nil) != (tt.want.Server != 0) {
				t.Errorf("Cgroup = %+v, want one only when the server is there", got.Cgroup)
			}
			if got.Cgroup != nil && got.Cgroup.Layout != CgroupV1 {
				t.Errorf("Cgroup layout %q, want %q", got.Cgroup.Layout, CgroupV1)
			}
			got.Taken, got.Cgroup = time.Time{}, nil
			if got != tt.want {
				t.Errorf("TakeSample(%q)\n got %+v\nwant %+v", tt.comm, got, tt.want)
			}
		})
	}
}

func TestWatchIsBounded(t *testing.T) {
	root := fakeProc(t)
	n := 0
	start := time.Now()
	err := Watch(context.Background(), root, "forking", 0, 20*time.Millisecond, 110*time.Millisecond, func(Sample) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	// one at once, then one per tick until the bound: about 6
	if took := time.Since(start); n < 3 || n > 8 || took > time.Second {
		t.Errorf("got %d samples in %v, want about 6 within the 110ms bound", n, took)
	}
}

func TestTree(t *testing.T) {
	s := fakeSnapshot(t)
	wrapped := Snapshot{Processes: []Process{{PID: 3, PPID: 500}, {PID: 4, PPID: 3}, {PID: 500, PPID: 0}, {PID: 600, PPID: 1}}}
	tests := []struct {
		name string
		s    Snapshot
		pid  int
		want []int
	}{
		// the server, then its children
		{"server", s, 7, []int{7, 8, 9, 10}},
		// a process without children
		{"leaf", s, 100, []int{100}},
		// a child and grandchild with lower PIDs than their root
		{"wrapped", wrapped, 500, []int{500, 3, 4}},
		// a PID that is not there
		{"absent", s, 4242, []int{}},
	}
	for _, tt := range tests {
		if got := pids(tt.s.Tree(tt.pid)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Tree(%d) = %v, want %v", tt.name, tt.pid, got, tt.want)
		}
	}
}
