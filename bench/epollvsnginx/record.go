package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/serverlab/serverlab/bench/internal/wrk"
)

// The modes: how wrk uses its connections.
const (
	keepAlive = "keep-alive" // one connection carries every request of its run
	closeMode = "close"      // "Connection: close": a connection per request
)

// record is one wrk run against one server: what wrk reported and what the
// benchmark read around it. Every table is drawn from records alone, and
// -json keeps them, so that a table can be redrawn without a rerun.
type record struct {
	// Run is when the benchmark started (RFC 3339): it tells runs apart
	// when the records of several are pooled by -report.
	Run    string `json:"run"`
	Mode   string `json:"mode"` // keepAlive or closeMode
	Round  int    `json:"round"`
	Server string `json:"server"` // epollName, uringName or nginxName
	First  bool   `json:"first"`  // ran first in its round

	Requests int64         `json:"requests"`
	Elapsed  time.Duration `json:"elapsed_ns"` // wrk's own measure of its run
	RPS      float64       `json:"rps"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Errors   wrk.Errors    `json:"errors"`

	// CPU is the server's user + system time (all its processes) from just
	// before wrk started to just after it exited.
	CPU time.Duration `json:"cpu_ns"`
	// OtherCPU is the other servers' over the same interval: all run all
	// along, and this shows the idle ones stayed idle.
	OtherCPU time.Duration `json:"other_cpu_ns"`
	// Wall is the benchmark's own clock over that interval, and CoreBusy
	// how long serverCPU was busy in it, by anything: the two servers, and
	// whatever else the machine ran there, steal included.
	Wall     time.Duration `json:"wall_ns"`
	CoreBusy time.Duration `json:"core_busy_ns"`
	// Accepts is the connections the specimen logged during the run (nginx
	// logs none): under Connection: close, one per request.
	Accepts int64 `json:"accepts"`
	// Log is what else the server logged during the run: its errors.
	Log []string `json:"log,omitempty"`
	// TimeWait is the TCP sockets in TIME_WAIT, host-wide in this network
	// namespace, after the run (-1: unread).
	TimeWait int `json:"time_wait"`
}

// CPUPerRequest is the server's CPU time per request wrk completed: the
// cost figure, which a client-bound req/s hides.
func (r record) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// Others is the share of the run for which the servers' core did other
// work than the servers: another program, interrupts, a hypervisor's
// steal. Above a few percent, req/s and latency were disturbed.
func (r record) Others() float64 { return others(r.CoreBusy, r.CPU+r.OtherCPU, r.Wall) }

func others(busy, servers, wall time.Duration) float64 {
	if wall <= 0 || busy <= servers {
		return 0
	}
	return min(1, float64(busy-servers)/float64(wall))
}

// report prints the summary of the records in files, pooled: the means
// and ratios over every complete round of every run.
func report(files []string, stdout io.Writer) error {
	var records []record
	runs := map[string]bool{}
	for _, file := range files {
		rs, err := readRecords(file)
		if err != nil {
			return err
		}
		for _, r := range rs {
			runs[r.Run] = true
		}
		records = append(records, rs...)
	}
	fmt.Fprintf(stdout, "%d records of %d runs, from %s\n", len(records), len(runs), strings.Join(files, ", "))
	printSummary(stdout, summarize(records))
	return nil
}

// readRecords reads a file that writeRecords wrote.
func readRecords(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rs []record
	for dec := json.NewDecoder(f); dec.More(); {
		var r record
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// writeRecords writes one record a line.
func writeRecords(path string, rs []record) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return f.Close()
}
