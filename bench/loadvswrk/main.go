// Command loadvswrk is benchmark 1: `lab load` against wrk on the same
// target, nginx with one worker returning a 14-byte body, on loopback.
//
//	go run ./bench/loadvswrk [-c 64] [-d 10s] [-rounds 3]
//
// nginx is pinned to CPU 0 and each tool in turn to CPU 1, so that each
// tool has one core, as wrk -t1 uses; rounds alternate which goes first,
// so that a machine getting slower or faster does not favour one. It prints
// both tools' req/s, p50 and p99 and the ratio lab/wrk of req/s; it measures
// the ratio and never asserts it.
//
// A Go program rather than a shell script: it parses wrk's unit-suffixed
// figures and lab's JSON without awk or jq, and kills nginx on every way
// out, Ctrl-C included, with one defer. It dials 127.0.0.1 only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/serverlab/serverlab/bench/internal/benchmark"
	"github.com/serverlab/serverlab/bench/internal/debian"
	"github.com/serverlab/serverlab/bench/internal/target"
)

// The CPUs: nginx on one, each tool in turn on the other.
const (
	serverCPU = "0"
	toolCPU   = "1"
)

// needs are the programs the benchmark runs and their Debian packages.
var needs = []debian.Need{
	{Program: "wrk", Packages: []string{"wrk"}},
	{Program: "nginx", Packages: []string{"nginx"}},
	{Program: "taskset", Packages: []string{"util-linux"}},
}

func main() { benchmark.Main("loadvswrk", run) }

// round is one round's measurements.
type round struct {
	wrk, lab measure
}

// measure is one tool's run.
type measure struct {
	RPS      float64
	P50, P99 time.Duration
	Errors   int64
	CPU      time.Duration // user + system time of the tool's process
	Requests int64
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loadvswrk", flag.ContinueOnError)
	conns := fs.Int("c", benchmark.DefaultConnections, "connections, for both tools")
	duration := fs.Duration("d", benchmark.DefaultDuration, "duration of each tool's run")
	rounds := fs.Int("rounds", benchmark.DefaultRounds, "rounds; each runs both tools, in alternating order")
	labBin := fs.String("lab", "", "the lab binary to measure (default: build ./harness/cmd/lab)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := benchmark.CheckLoad(*conns, *duration, *rounds); err != nil {
		return err
	}
	dir, err := benchmark.Prepare(ctx, "loadvswrk", stdout, needs)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *labBin == "" {
		if *labBin, err = buildLab(ctx, dir); err != nil {
			return err
		}
	}
	srv, err := target.Nginx(ctx, dir, serverCPU, 0)
	if err != nil {
		return err
	}
	defer srv.Stop()
	url := fmt.Sprintf("http://%s/hello", srv.Addr)
	fmt.Fprintf(stdout, "nginx %s, 1 worker on CPU %s; each tool on CPU %s: %d connections, keep-alive, %v a run, %d rounds\n",
		url, serverCPU, toolCPU, *conns, *duration, *rounds)

	// A short wrk run first, so that neither tool meets a cold server.
	if _, err := runWrk(ctx, url, *conns, 2*time.Second); err != nil {
		return err
	}
	var all []round
	for i := range *rounds {
		var r round
		for j := range 2 {
			if (i+j)%2 == 0 {
				r.wrk, err = runWrk(ctx, url, *conns, *duration)
			} else {
				r.lab, err = runLab(ctx, *labBin, url, *conns, *duration)
			}
			if err != nil {
				return err
			}
		}
		all = append(all, r)
		if i == 0 {
			printHeader(stdout)
		}
		printRound(stdout, fmt.Sprint(i+1), r)
	}
	printTotal(stdout, all)
	return nil
}

// buildLab builds the lab's binary into dir: run through `go run`, its
// start-up and the go tool's own process would share the measured core.
func buildLab(ctx context.Context, dir string) (string, error) {
	root, err := benchmark.Root(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "lab")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./harness/cmd/lab")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build lab: %w", err)
	}
	return bin, nil
}

// pinned runs argv on the tools' CPU and returns its output and CPU time.
func pinned(ctx context.Context, argv ...string) ([]byte, time.Duration, error) {
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", toolCPU}, argv...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return out, 0, errors.New("interrupted")
	}
	if err != nil {
		return out, 0, fmt.Errorf("%s: %w", argv[0], err)
	}
	return out, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

func printHeader(w io.Writer) {
	fmt.Fprintf(w, "\n%-6s | %10s %9s %9s %8s | %10s %9s %9s %8s | %7s\n",
		"round", "wrk req/s", "p50", "p99", "µs/req", "lab req/s", "p50", "p99", "µs/req", "lab/wrk")
}

func printRound(w io.Writer, name string, r round) {
	ratio := 0.0
	if r.wrk.RPS > 0 {
		ratio = r.lab.RPS / r.wrk.RPS
	}
	fmt.Fprintf(w, "%-6s | %10.0f %9s %9s %8.2f | %10.0f %9s %9s %8.2f | %7.3f\n", name,
		r.wrk.RPS, ms(r.wrk.P50), ms(r.wrk.P99), cpuPerRequest(r.wrk),
		r.lab.RPS, ms(r.lab.P50), ms(r.lab.P99), cpuPerRequest(r.lab), ratio)
	if r.wrk.Errors > 0 || r.lab.Errors > 0 {
		fmt.Fprintf(w, "%-6s   errors: wrk %d, lab %d\n", "", r.wrk.Errors, r.lab.Errors)
	}
}

// printTotal prints the rounds' means and the ratio of the mean rates.
func printTotal(w io.Writer, rounds []round) {
	var sum round
	for _, r := range rounds {
		for _, p := range [][2]*measure{{&sum.wrk, &r.wrk}, {&sum.lab, &r.lab}} {
			p[0].RPS += p[1].RPS
			p[0].P50 += p[1].P50
			p[0].P99 += p[1].P99
			p[0].CPU += p[1].CPU
			p[0].Requests += p[1].Requests
			p[0].Errors += p[1].Errors
		}
	}
	n := float64(len(rounds))
	for _, m := range []*measure{&sum.wrk, &sum.lab} {
		m.RPS /= n
		m.P50 = time.Duration(float64(m.P50) / n)
		m.P99 = time.Duration(float64(m.P99) / n)
	}
	printRound(w, "mean", sum)
	ratios := make([]float64, 0, len(rounds))
	for _, r := range rounds {
		ratios = append(ratios, r.lab.RPS/r.wrk.RPS)
	}
	slices.Sort(ratios)
	median := ratios[len(ratios)/2]
	if len(ratios)%2 == 0 {
		median = (ratios[len(ratios)/2-1] + median) / 2
	}
	fmt.Fprintf(w, "\nlab/wrk req/s: %.3f of the means, %.3f the median round (the goal is >= 0.9; measured, not asserted).\n"+
		"µs/req is each tool's CPU time (user + system) per request: less noisy than req/s on a shared machine.\n",
		sum.lab.RPS/sum.wrk.RPS, median)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }

func cpuPerRequest(m measure) float64 {
	if m.Requests == 0 {
		return 0
	}
	return float64(m.CPU) / float64(time.Microsecond) / float64(m.Requests)
}
