package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which the kernel fixes at 100 for user space on every architecture Linux
// runs Debian on (getconf CLK_TCK), whatever CONFIG_HZ is.
const clockTick = 10 * time.Millisecond

// procRoot is where /proc is; tests point it at a recorded tree.
var procRoot = "/proc"

// procStat is what the benchmark needs from /proc/<pid>/stat.
type procStat struct {
	PPID int
	CPU  time.Duration // utime + stime: the process's threads, not its children
}

// parseStat reads /proc/<pid>/stat. The command name sits in parentheses and
// may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func parseStat(b []byte) (procStat, error) {
	end := bytes.LastIndexByte(b, ')')
	if bytes.IndexByte(b, '(') < 0 || end < 0 {
		return procStat{}, fmt.Errorf("parse stat %q: no (comm)", b)
	}
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state), f[1] field 4 (ppid), f[11] field 14 (utime),
	// f[12] field 15 (stime), in clock ticks.
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("parse stat: %d fields after comm, want 13 or more", len(f))
	}
	var s procStat
	var ticks [2]int64
	var err error
	if s.PPID, err = strconv.Atoi(f[1]); err != nil {
		return procStat{}, fmt.Errorf("parse stat ppid: %w", err)
	}
	for i, field := range f[11:13] {
		if ticks[i], err = strconv.ParseInt(field, 10, 64); err != nil {
			return procStat{}, fmt.Errorf("parse stat utime/stime: %w", err)
		}
	}
	s.CPU = time.Duration(ticks[0]+ticks[1]) * clockTick
	return s, nil
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, err
	}
	return parseStat(b)
}

// cpuTime is the CPU time the process pid and its children have used so
// far: nginx's master and its worker, or the specimen alone. Children are
// found afresh at each call, by their parent in /proc/<pid>/stat (a worker
// nginx restarts has a new pid); /proc/<pid>/task/*/children would need
// CONFIG_PROC_CHILDREN. A child's time counts only while it lives: once
// reaped, it goes to the parent's cutime, which is not read.
func cpuTime(pid int) (time.Duration, error) {
	root, err := readStat(pid)
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of %d: %w", pid, err)
	}
	total := root.CPU
	entries, err := os.ReadDir(procRoot)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid {
			continue
		}
		s, err := readStat(child)
		if err != nil {
			continue // gone since ReadDir, or not a process
		}
		if s.PPID == pid {
			total += s.CPU
		}
	}
	return total, nil
}

// parseTimeWait reads the TIME_WAIT count from /proc/net/sockstat's line
// "TCP: inuse 5 orphan 0 tw 8 alloc 20 mem 0": every socket of this network
// namespace waiting out 2*MSL (60 s on Linux) after an active close.
func parseTimeWait(b []byte) (int, error) {
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "TCP:" {
			continue
		}
		for i := 1; i+1 < len(f); i += 2 {
			if f[i] == "tw" {
				return strconv.Atoi(f[i+1])
			}
		}
	}
	return 0, fmt.Errorf("parse sockstat: no TCP tw in %q", b)
}

// timeWait is the number of TCP sockets in TIME_WAIT now, or -1 if
// /proc/net/sockstat cannot be read: it is reported, never needed.
func timeWait() int {
	b, err := os.ReadFile(filepath.Join(procRoot, "net", "sockstat"))
	if err != nil {
		return -1
	}
	n, err := parseTimeWait(b)
	if err != nil {
		return -1
	}
	return n
}

// parseCPUBusy reads the line of cpu ("cpu0") in /proc/stat and returns the
// time it has spent not idle: user, nice, system, irq, softirq, and steal
// (time the hypervisor gave to another guest), in clock ticks like
// utime. guest and guest_nice are already counted in user and nice.
func parseCPUBusy(b []byte, cpu string) (time.Duration, error) {
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != cpu {
			continue
		}
		if len(f) < 9 {
			return 0, fmt.Errorf("parse stat %s: %d fields, want 9 or more", cpu, len(f))
		}
		var ticks int64
		// f[1] user, f[2] nice, f[3] system, f[4] idle, f[5] iowait,
		// f[6] irq, f[7] softirq, f[8] steal.
		for _, i := range []int{1, 2, 3, 6, 7, 8} {
			n, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse stat %s: %w", cpu, err)
			}
			ticks += n
		}
		return time.Duration(ticks) * clockTick, nil
	}
	return 0, fmt.Errorf("parse stat: no %s line", cpu)
}

// cpuBusy is how long CPU cpu ("0") has been busy since boot, by anything.
func cpuBusy(cpu string) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(procRoot, "stat"))
	if err != nil {
		return 0, err
	}
	return parseCPUBusy(b, "cpu"+cpu)
}
