package main

import (
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want procStat
		fail bool
	}{
		// nginx's worker, recorded after a run: utime 8, stime 57 ticks
		{"worker", "10304 (nginx) S 10300 10300 10300 0 -1 4194624 559 0 0 0 8 57 0 0 20 0 1 0 390256 13578240 1434",
			procStat{PPID: 10300, CPU: 650 * time.Millisecond}, false},
		// a command name with spaces and ')': fields count from the last ')'
		{"odd comm", "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 5 6",
			procStat{PPID: 1, CPU: 70 * time.Millisecond}, false},
		// children's times (fields 16, 17) are not the process's
		{"children", "7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 100 100",
			procStat{PPID: 1}, false},
		// cut before stime
		{"short", "7 (x) S 1 7 7 0 -1 0 0 0 0 0 3", procStat{}, true},
		// no command name at all
		{"no comm", "7 x S 1", procStat{}, true},
		// a utime that is not a number
		{"bad utime", "7 (x) S 1 7 7 0 -1 0 0 0 0 0 x 4", procStat{}, true},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.in))
		if (err != nil) != tt.fail || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v, error %v", tt.name, got, err, tt.want, tt.fail)
		}
	}
}

// TestCPUTime reads a /proc recorded after a run: nginx's master 10300
// (0 ticks) and its worker 10304 (65), the specimen 10302 (80), whose
// parent is init, like the master's.
func TestCPUTime(t *testing.T) {
	procRoot = "testdata/proc"
	t.Cleanup(func() { procRoot = "/proc" })
	tests := []struct {
		pid  int
		want time.Duration
	}{
		{10300, 650 * time.Millisecond}, // the master and its worker
		{10304, 650 * time.Millisecond}, // the worker alone: it has no children
		{10302, 800 * time.Millisecond}, // the specimen: nginx, a sibling, not counted
	}
	for _, tt := range tests {
		got, err := cpuTime(tt.pid)
		if err != nil || got != tt.want {
			t.Errorf("cpuTime(%d): got %v, %v; want %v", tt.pid, got, err, tt.want)
		}
	}
	if _, err := cpuTime(1); err == nil {
		t.Error("cpuTime of a pid not in /proc: got no error")
	}
	// cpu0's user 107740, nice 181, system 77528, irq 0, softirq 17105,
	// steal 518 ticks; not idle 204091 nor iowait 1025
	if got, err := cpuBusy("0"); err != nil || got != 203072*clockTick {
		t.Errorf("cpuBusy(0): got %v, %v; want %v", got, err, 203072*clockTick)
	}
	if got, err := cpuBusy("7"); err == nil {
		t.Errorf("cpuBusy(7) on 2 CPUs: got %v, want an error", got)
	}
	if got := timeWait(); got != 46079 {
		t.Errorf("timeWait: got %d, want 46079", got)
	}
}

func TestParseTimeWait(t *testing.T) {
	tests := []struct {
		in   string
		want int // -1: an error
	}{
		{"sockets: used 50\nTCP: inuse 3 orphan 0 tw 46079 alloc 4 mem 0\n", 46079}, // the kernel's line
		{"TCP: inuse 3 orphan 0\n", -1},                                             // no tw field
		{"sockets: used 50\n", -1},                                                  // no TCP line
		{"TCP: tw x\n", -1},                                                         // not a number
	}
	for _, tt := range tests {
		got, err := parseTimeWait([]byte(tt.in))
		if (err != nil) != (tt.want < 0) || (err == nil && got != tt.want) {
			t.Errorf("%q: got %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseCPUBusy(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration // -1: an error
	}{
		{"cpu  9 9 9 9 9 9 9 9 0 0\ncpu0 1 2 3 100 200 4 5 6 0 0\n", 21 * clockTick}, // idle and iowait left out
		{"cpu0 1 2 3 100 200 4 5\n", -1},                                             // a kernel before steal (2.6.11)
		{"cpu0 1 2 x 100 200 4 5 6\n", -1},                                           // not a number
		{"cpu1 1 2 3 100 200 4 5 6\n", -1},                                           // another CPU only
	}
	for _, tt := range tests {
		got, err := parseCPUBusy([]byte(tt.in), "cpu0")
		if (err != nil) != (tt.want < 0) || (err == nil && got != tt.want) {
			t.Errorf("%q: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
