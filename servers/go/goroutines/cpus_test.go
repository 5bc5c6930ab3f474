package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCPULimit(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // under sys/fs/cgroup
		cpus    float64
		limited bool
	}{
		// cgroup v1, as this lab's engine mounts it: docker run --cpus 1.
		{"v1 one", map[string]string{"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1, true},
		// --cpus 0.5.
		{"v1 half", map[string]string{"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 0.5, true},
		// No --cpus: quota -1.
		{"v1 none", map[string]string{"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, 0, false},
		// cgroup v2: --cpus 1.5, and none.
		{"v2 one and a half", map[string]string{"cpu.max": "150000 100000\n"}, 1.5, true},
		{"v2 none", map[string]string{"cpu.max": "max 100000\n"}, 0, false},
		// v2 wins where both are readable; no files, no limit.
		{"v2 first", map[string]string{"cpu.max": "max 100000\n", "cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "100000"}, 0, false},
		{"nothing", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range tt.files {
				path := filepath.Join(root, "sys/fs/cgroup", name)
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cpus, limited := cpuLimit(root)
			if cpus != tt.cpus || limited != tt.limited {
				t.Errorf("got %v CPUs (limited %v), want %v (limited %v)", cpus, limited, tt.cpus, tt.limited)
			}
		})
	}
}

func TestGOMAXPROCS(t *testing.T) {
	tests := []struct {
		name    string
		procs   int // the runtime's default
		limit   float64
		limited bool
		env     string
		want    int
	}{
		// One CPU of quota: one P, where the runtime says 2.
		{"one CPU", 2, 1, true, "", 1},
		{"half a CPU", 2, 0.5, true, "", 1},
		// More than one: the runtime's own rounding up.
		{"one and a half", 2, 1.5, true, "", 2},
		// No limit: the runtime's count of CPUs.
		{"no limit", 8, 0, false, "", 8},
		// GOMAXPROCS in the environment wins.
		{"env", 3, 1, true, "3", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gomaxprocs(tt.procs, tt.limit, tt.limited, tt.env); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
