// Command epollvsnginx is benchmark 2: the lab's C epoll specimen against
// nginx with one worker, and its io_uring specimen against both, all
// answering GET /hello with the same 14 bytes on loopback, under keep-alive
// and under Connection: close.
//
//	go run ./bench/epollvsnginx [-c 64] [-d 10s] [-rounds 3] [-modes keep-alive,close] [-uring=false]
//
// The servers run all along, pinned to CPU 0, and are measured one at a
// time: wrk, pinned to CPU 1 with one thread, drives one while the others
// sleep in epoll_wait or io_uring_enter (their CPU time over the run is
// printed, to show it). Starting them once keeps each warm from round to
// round and lets rounds take turns at going first without a restart, so
// that a machine getting slower or faster does not favour one. Where the
// kernel refuses io_uring (kernel.io_uring_disabled, a seccomp filter), the
// specimen's one line says why and the benchmark goes on without it.
//
// With one core for wrk, req/s is mostly wrk's limit; the server's CPU time
// per request (utime + stime from /proc/<pid>/stat over exactly wrk's run,
// over the requests wrk completed) is the cost figure. It prints both and
// the ratios epoll/nginx, uring/epoll and uring/nginx; the goal for
// epoll/nginx is a req/s ratio of 1.0 or more, which it measures and never
// asserts. It dials 127.0.0.1 only and stops both
// servers on every way out, Ctrl-C included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/serverlab/serverlab/bench/internal/benchmark"
	"github.com/serverlab/serverlab/bench/internal/debian"
	"github.com/serverlab/serverlab/bench/internal/target"
	"github.com/serverlab/serverlab/bench/internal/wrk"
	"github.com/serverlab/serverlab/harness/catalogue"
)

// The benchmark's settings, shared with its flags (those of -c, -d and
// -rounds are benchmark's).
const (
	DefaultModes = keepAlive + "," + closeMode
	// DefaultBacklog is both servers' listen() backlog (nginx's own default
	// is 511); 64 connections never fill it, but Connection: close's
	// churn might.
	DefaultBacklog = 1024
	// DefaultIdleTimeout is the specimen's --idle-timeout, above any run so
	// that no keep-alive connection is timed out mid-run.
	DefaultIdleTimeout = 60 * time.Second

	serverCPU = "0"
	clientCPU = "1"
	warmUp    = 2 * time.Second
	// pause between runs: the last run's connections close, and its
	// server's share of that work stays out of the next one's interval.
	pause = time.Second
)

// needs maps each program the benchmark runs to the Debian packages that
// bring it. cc and make build the specimen statically, which also needs
// libc6-dev's libc.a; gcc depends on libc6-dev only through recommends, so
// it is named too.
var needs = []debian.Need{
	{Program: "wrk", Packages: []string{"wrk"}},
	{Program: "nginx", Packages: []string{"nginx"}},
	{Program: "taskset", Packages: []string{"util-linux"}},
	{Program: "cc", Packages: []string{"gcc", "libc6-dev"}},
	{Program: "make", Packages: []string{"make"}},
}

func main() { benchmark.Main("epollvsnginx", run) }

// options are the flags.
type options struct {
	conns    int
	duration time.Duration
	rounds   int
	modes    []string
	epoll    string   // a built specimen; "" builds one
	uring    string   // a built io_uring specimen; "" builds one
	noUring  bool     // leave the io_uring specimen out
	json     string   // where to write the records; "" nowhere
	report   []string // record files to summarize instead of measuring
	started  string   // when the run began, RFC 3339: each record's Run
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("epollvsnginx", flag.ContinueOnError)
	fs.IntVar(&o.conns, "c", benchmark.DefaultConnections, "wrk's connections, for both servers")
	fs.DurationVar(&o.duration, "d", benchmark.DefaultDuration, "duration of each wrk run, whole seconds")
	fs.IntVar(&o.rounds, "rounds", benchmark.DefaultRounds, "rounds per mode; each runs both servers, in alternating order")
	modes := fs.String("modes", DefaultModes, "modes, in order: keep-alive, close (wrk -H 'Connection: close')")
	fs.StringVar(&o.epoll, "epoll", "", "the epoll specimen to measure (default: build servers/c with make)")
	fs.StringVar(&o.uring, "uring-bin", "", "the io_uring specimen to measure (default: build servers/c with make)")
	withUring := fs.Bool("uring", true, "measure the io_uring specimen too")
	fs.StringVar(&o.json, "json", "", "write the records, one JSON object a line, to this file")
	report := fs.Bool("report", false, "measure nothing: pool the records of the -json files named as arguments and print their summary")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.noUring = !*withUring
	switch {
	case *report && fs.NArg() == 0:
		return o, errors.New("-report: name the record files to summarize")
	case *report:
		o.report = fs.Args()
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for m := range strings.SplitSeq(*modes, ",") {
		if m != keepAlive && m != closeMode {
			return o, fmt.Errorf("mode %q: want %s or %s", m, keepAlive, closeMode)
		}
		o.modes = append(o.modes, m)
	}
	return o, benchmark.CheckLoad(o.conns, o.duration, o.rounds)
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	if o.report != nil {
		return report(o.report, stdout)
	}
	o.started = time.Now().UTC().Format(time.RFC3339)
	dir, err := benchmark.Prepare(ctx, "epollvsnginx", stdout, needs)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var specimens []*server
	for _, sp := range []struct {
		name string
		bin  *string
		skip bool
	}{{epollName, &o.epoll, false}, {uringName, &o.uring, o.noUring}} {
		if sp.skip {
			continue
		}
		if *sp.bin == "" {
			if *sp.bin, err = buildSpecimen(ctx, dir, sp.name); err != nil {
				return err
			}
		}
		s, err := startSpecimen(ctx, sp.name, *sp.bin, dir, DefaultBacklog, DefaultIdleTimeout)
		if err != nil && sp.name == uringName {
			fmt.Fprintf(stdout, "without the io_uring specimen: %v\n", err)
			continue
		}
		if err != nil {
			return err
		}
		defer s.Stop()
		specimens = append(specimens, s)
	}
	n, err := target.Nginx(ctx, dir, serverCPU, DefaultBacklog)
	if err != nil {
		return err
	}
	nginx := &server{Server: n}
	defer nginx.Stop()
	servers := append(specimens, nginx)

	printMachine(ctx, stdout)
	for _, s := range servers {
		raw, err := response(ctx, s.Addr)
		if err == nil {
			err = checkBody(raw, catalogue.HelloBody)
		}
		if err != nil {
			return fmt.Errorf("check %s's /hello: %w", s.Name, err)
		}
		fmt.Fprintf(stdout, "%s: http://%s/hello, pid %d on CPU %s: %d-byte response, %d of them the body\n",
			s.Name, s.Addr, s.Pid(), serverCPU, len(raw), len(catalogue.HelloBody))
	}
	fmt.Fprintf(stdout, "wrk -t1 on CPU %s: %d connections, %v a run, %d rounds a mode, the idle servers left running\n",
		clientCPU, o.conns, o.duration, o.rounds)

	records, err := measure(ctx, o, servers, stdout)
	if o.json != "" {
		if jerr := writeRecords(o.json, records); jerr != nil && err == nil {
			err = jerr
		}
	}
	printSummary(stdout, summarize(records))
	fmt.Fprintf(stdout, "load average after: %s\n", loadAverage())
	return err
}

// measure runs every mode's rounds and returns the records, those of an
// interrupted run too.
func measure(ctx context.Context, o options, servers []*server, stdout io.Writer) ([]record, error) {
	var records []record
	var names []string
	for _, s := range servers {
		names = append(names, s.Name)
	}
	for _, mode := range o.modes {
		// A short run on each first, not recorded: none meets a cold
		// server, and under close all start with TIME_WAIT already piling.
		for _, s := range servers {
			if _, err := drive(ctx, o, warmUp, mode, s, servers); err != nil {
				return records, err
			}
		}
		printRoundHeader(stdout, fmt.Sprintf("%s (wrk%s)", mode, wrkHeader(mode)), names)
		for i := range o.rounds {
			// Each round starts with the next server: the first place goes
			// round them all in turn.
			order := append(slices.Clone(servers[i%len(servers):]), servers[:i%len(servers)]...)
			p := round{Run: o.started, Round: i + 1, Runs: map[string]record{}}
			for j, s := range order {
				r, err := drive(ctx, o, o.duration, mode, s, servers)
				if err != nil {
					return records, err
				}
				r.Run, r.Round, r.First = o.started, i+1, j == 0
				records = append(records, r)
				p.Runs[s.Name] = r
			}
			printRound(stdout, p)
		}
	}
	return records, nil
}

// drive runs wrk against s for d and reads around it what the record
// needs, the other servers' CPU with it; the caller throws the warm-up's
// record away.
func drive(ctx context.Context, o options, d time.Duration, mode string, s *server, servers []*server) (record, error) {
	select {
	case <-ctx.Done():
		return record{}, errors.New("interrupted")
	case <-time.After(pause):
	}
	if _, _, err := s.logSince(); err != nil { // what the pause brought belongs to no run
		return record{}, err
	}
	var headers []string
	if mode == closeMode {
		headers = append(headers, "Connection: close")
	}
	argv := append([]string{"taskset", "-c", clientCPU}, wrk.Args("http://"+s.Addr+"/hello", o.conns, d, headers...)...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr

	before, otherBefore, err := cpuTimes(s, servers)
	if err != nil {
		return record{}, err
	}
	busyBefore, err := cpuBusy(serverCPU)
	if err != nil {
		return record{}, err
	}
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	busyAfter, berr := cpuBusy(serverCPU)
	after, otherAfter, cerr := cpuTimes(s, servers)
	switch {
	case ctx.Err() != nil:
		return record{}, errors.New("interrupted")
	case err != nil:
		return record{}, fmt.Errorf("wrk against %s: %w", s.Name, err)
	case cerr != nil:
		return record{}, cerr
	case berr != nil:
		return record{}, berr
	}
	rep, err := wrk.Parse(out)
	if err != nil {
		return record{}, fmt.Errorf("wrk against %s: %w", s.Name, err)
	}
	accepts, logged, err := s.logSince()
	if err != nil {
		return record{}, err
	}
	return record{
		Mode: mode, Server: s.Name,
		Requests: rep.Requests, Elapsed: rep.Elapsed, RPS: rep.RPS, P50: rep.P50, P99: rep.P99, Errors: rep.Errors,
		CPU: after - before, OtherCPU: otherAfter - otherBefore, Wall: wall, CoreBusy: busyAfter - busyBefore,
		Accepts: accepts, Log: logged, TimeWait: timeWait(),
	}, nil
}

// cpuTimes reads s's CPU time and the sum of the other servers', failing
// if any has exited.
func cpuTimes(s *server, servers []*server) (own, others time.Duration, err error) {
	for _, srv := range servers {
		if srv.Exited() {
			text, _ := os.ReadFile(srv.Log)
			return 0, 0, fmt.Errorf("%s exited: %s", srv.Name, strings.TrimSpace(string(text)))
		}
		t, err := cpuTime(srv.Pid())
		if err != nil {
			return 0, 0, err
		}
		if srv == s {
			own = t
		} else {
			others += t
		}
	}
	return own, others, nil
}

func wrkHeader(mode string) string {
	if mode == closeMode {
		return " -H 'Connection: close': a connection per request"
	}
	return ": one connection for all the requests of a run"
}
