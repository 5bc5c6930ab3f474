package agent

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Cgroup layouts, as records name them.
const (
	CgroupV1 = "v1"
	CgroupV2 = "v2"
)

// Cgroup is what the specimen's cgroup says of it at one moment: cumulative
// CPU time, memory, and the pids controller that counts zombies too.
type Cgroup struct {
	Layout    string        `json:"layout"` // CgroupV1 or CgroupV2
	CPUUser   time.Duration `json:"cpu_user_ns"`
	CPUSystem time.Duration `json:"cpu_system_ns"`
	// Memory is the cgroup's charge (memory.usage_in_bytes, memory.current):
	// anonymous memory, page cache and kernel memory such as socket buffers.
	Memory int64 `json:"memory"`
	// Anon is its anonymous part (memory.stat rss, anon): the heaps and
	// stacks of the specimen's processes.
	Anon        int64 `json:"anon"`
	MemoryLimit int64 `json:"memory_limit"` // -1: none
	PidsCurrent int64 `json:"pids_current"`
	PidsMax     int64 `json:"pids_max"` // -1: none
	// PidsRefused counts the forks and clones the pids limit refused
	// (pids.events "max"): the kernel's own word that this limit bound.
	PidsRefused int64 `json:"pids_refused"`
}

// CgroupDir is where the cgroup filesystem of process pid is, as that
// process sees it: Docker mounts the container's own cgroup there (v1 and
// v2 alike), and an agent that shares its PID namespace with CAP_SYS_PTRACE
// may look through its root. No host path and no mount is needed, so this
// works on a remote engine and in Docker Desktop's VM too.
func CgroupDir(procRoot string, pid int) string {
	return filepath.Join(procRoot, strconv.Itoa(pid), "root", "sys", "fs", "cgroup")
}

// ReadCgroup reads the cgroup files under dir, in either layout: v2 has
// one tree with cgroup.controllers at its root, v1 a tree per controller.
func ReadCgroup(dir string) (Cgroup, error) {
	if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil {
		return readCgroupV2(dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "memory")); err == nil {
		return readCgroupV1(dir)
	}
	return Cgroup{}, fmt.Errorf("read cgroup %s: neither a v1 nor a v2 layout", dir)
}

func readCgroupV1(dir string) (Cgroup, error) {
	c := Cgroup{Layout: CgroupV1}
	var errs []error
	read := func(path string, into *int64) {
		v, err := readInt(filepath.Join(dir, path))
		if err != nil {
			errs = append(errs, err)
		}
		*into = v
	}
	var user, sys int64
	read("cpuacct/cpuacct.usage_user", &user)
	read("cpuacct/cpuacct.usage_sys", &sys)
	c.CPUUser, c.CPUSystem = time.Duration(user), time.Duration(sys)
	read("memory/memory.usage_in_bytes", &c.Memory)
	read("memory/memory.limit_in_bytes", &c.MemoryLimit)
	// v1 writes "no limit" as the largest page-aligned int64.
	if c.MemoryLimit >= 1<<62 {
		c.MemoryLimit = -1
	}
	stat, err := readKeyed(filepath.Join(dir, "memory", "memory.stat"))
	if err != nil {
		errs = append(errs, err)
	}
	c.Anon = stat["rss"]
	read("pids/pids.current", &c.PidsCurrent)
	read("pids/pids.max", &c.PidsMax)
	events, err := readKeyed(filepath.Join(dir, "pids", "pids.events"))
	if err != nil {
		errs = append(errs, err)
	}
	c.PidsRefused = events["max"]
	return c, errors.Join(errs...)
}

func readCgroupV2(dir string) (Cgroup, error) {
	c := Cgroup{Layout: CgroupV2}
	var errs []error
	keyed := func(name string) map[string]int64 {
		m, err := readKeyed(filepath.Join(dir, name))
		if err != nil {
			errs = append(errs, err)
		}
		return m
	}
	cpu := keyed("cpu.stat")
	c.CPUUser = time.Duration(cpu["user_usec"]) * time.Microsecond
	c.CPUSystem = time.Duration(cpu["system_usec"]) * time.Microsecond
	var err error
	if c.Memory, err = readInt(filepath.Join(dir, "memory.current")); err != nil {
		errs = append(errs, err)
	}
	if c.MemoryLimit, err = readInt(filepath.Join(dir, "memory.max")); err != nil {
		errs = append(errs, err)
	}
	c.Anon = keyed("memory.stat")["anon"]
	if c.PidsCurrent, err = readInt(filepath.Join(dir, "pids.current")); err != nil {
		errs = append(errs, err)
	}
	if c.PidsMax, err = readInt(filepath.Join(dir, "pids.max")); err != nil {
		errs = append(errs, err)
	}
	c.PidsRefused = keyed("pids.events")["max"]
	return c, errors.Join(errs...)
}

// readInt reads a file holding one integer, or "max" (v2's "no limit",
// returned as -1).
func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	if s == "max" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return n, nil
}

// readKeyed reads a flat-keyed file of "key value" lines (memory.stat,
// cpu.stat, pids.events).
func readKeyed(path string) (map[string]int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
			m[f[0]] = n
		}
	}
	return m, nil
}
