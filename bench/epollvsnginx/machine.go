package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// printMachine says where the figures come from: CPUs, model, kernel,
// load, and the versions of what runs.
func printMachine(ctx context.Context, w io.Writer) {
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	// nginx -v writes to stderr; wrk -v prints its version, then its
	// usage, and exits 1.
	nginxV, _ := exec.CommandContext(ctx, "nginx", "-v").CombinedOutput()
	wrkV, _ := exec.CommandContext(ctx, "wrk", "-v").Output()
	wrkLine, _, _ := strings.Cut(string(wrkV), "\n")
	ccV, _ := exec.CommandContext(ctx, "cc", "--version").Output()
	ccLine, _, _ := strings.Cut(string(ccV), "\n")
	fmt.Fprintf(w, "%s, %d CPUs (%s), Linux %s, load average %s\n", time.Now().Format("2006-01-02 15:04 MST"),
		runtime.NumCPU(), model, strings.TrimSpace(string(kernel)), loadAverage())
	fmt.Fprintf(w, "%s; %s; %s\n", strings.TrimSpace(string(nginxV)),
		strings.Join(strings.Fields(wrkLine)[:min(2, len(strings.Fields(wrkLine)))], " "), ccLine)
}

// loadAverage is /proc/loadavg's first three figures, as uptime prints them.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
