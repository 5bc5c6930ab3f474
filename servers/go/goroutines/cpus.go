package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// gomaxprocs is the GOMAXPROCS the specimen runs with, given the runtime's
// default (procs), the container's CPU limit (limit CPUs, if any) and the
// GOMAXPROCS environment variable (env). Go >= 1.25 sets its default from
// the cgroup's CPU quota by itself, but rounds a limit below 2 up to 2
// (runtime/cgroup_linux.go). Two Ps on one CPU of quota spend each CFS
// period's quota in half of it and are then throttled, a stall that a
// latency measurement would blame on the model; so a limit of one CPU or
// less gives one P. Anything else is the runtime's choice, and GOMAXPROCS
// in the environment wins, as it does over the runtime's default.
func gomaxprocs(procs int, limit float64, limited bool, env string) int {
	if env != "" || !limited || limit > 1 {
		return procs
	}
	return 1
}

// cpuLimit reads the CPU limit of the container's cgroup under root ("/"
// in production) as a number of CPUs: cgroup v2's cpu.max ("max 100000"
// or "50000 100000"), else v1's cpu.cfs_quota_us over cpu.cfs_period_us
// (quota -1: none). Inside a container these paths are the container's own
// cgroup: Docker mounts it there (v1) or a cgroup namespace roots it there
// (v2). limited is false without a limit or a readable file.
func cpuLimit(root string) (cpus float64, limited bool) {
	if b, err := os.ReadFile(filepath.Join(root, "sys/fs/cgroup/cpu.max")); err == nil {
		f := strings.Fields(string(b))
		if len(f) != 2 || f[0] == "max" {
			return 0, false
		}
		return ratio(f[0], f[1])
	}
	quota, err1 := os.ReadFile(filepath.Join(root, "sys/fs/cgroup/cpu/cpu.cfs_quota_us"))
	period, err2 := os.ReadFile(filepath.Join(root, "sys/fs/cgroup/cpu/cpu.cfs_period_us"))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return ratio(strings.TrimSpace(string(quota)), strings.TrimSpace(string(period)))
}

// ratio is quota/period, both positive integers, in CPUs.
func ratio(quota, period string) (float64, bool) {
	q, err1 := strconv.ParseInt(quota, 10, 64)
	p, err2 := strconv.ParseInt(period, 10, 64)
	if err1 != nil || err2 != nil || q <= 0 || p <= 0 {
		return 0, false
	}
	return float64(q) / float64(p), true
}
