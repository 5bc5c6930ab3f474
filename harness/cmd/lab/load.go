package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/load"
	"github.com/serverlab/serverlab/harness/protocol"
	"github.com/serverlab/serverlab/harness/syscalls"
)

// procRoot is where the agent reads /proc.
const procRoot = "/proc"

// loadFlags are lab load's flags: the agent's side of load.Options.Args,
// which the harness sends (protocol.LoadAround).
type loadFlags struct {
	fs        *flag.FlagSet
	conns     *int
	duration  *time.Duration
	requests  *int64
	keepAlive *bool
	pipeline  *int
	rate      *float64
	timeout   *time.Duration
	asJSON    *bool
	around    *string
	trace     *bool
}

func newLoadFlags() loadFlags {
	fs := flags(protocol.CommandLoad)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lab load [flags] URL   (URL on loopback: 127.0.0.0/8, ::1, localhost)")
		fs.PrintDefaults()
	}
	return loadFlags{
		fs:        fs,
		conns:     fs.Int(load.FlagConnections, load.DefaultConnections, fmt.Sprintf("connections (at most %d)", load.MaxConnections)),
		duration:  fs.Duration(load.FlagDuration, load.DefaultDuration, fmt.Sprintf("how long the run lasts, at most %v", load.MaxDuration)),
		requests:  fs.Int64(load.FlagRequests, 0, fmt.Sprintf("end after this many outcomes, responses and errors (0: at -d; without -d: at most %v)", load.MaxDuration)),
		keepAlive: fs.Bool(load.FlagKeepAlive, load.DefaultKeepAlive, "keep connections open; false sends Connection: close and reconnects for every request"),
		pipeline:  fs.Int(load.FlagPipeline, load.DefaultPipeline, "requests sent back to back on a connection before reading their responses"),
		rate:      fs.Float64(load.FlagRate, 0, "open model: requests per second in all, each timed from when it was due (0: closed model)"),
		timeout:   fs.Duration(load.FlagTimeout, load.DefaultTimeout, "per connect, and per response from its request's send"),
		asJSON:    fs.Bool(load.FlagJSON, false, "print one JSON object"),
		around: fs.String(protocol.FlagAround, "", "with -json, also sample the processes of this name (a specimen's comm) just before and just after the run, "+
			"and print {\"before\": sample, \"result\": ..., \"after\": sample}: what the server spent over exactly the run, in one exec of the agent"),
		trace: fs.Bool(protocol.FlagTrace, false, "with -around, also count the system calls of that specimen's processes and threads over the run, "+
			"with ptrace (CAP_SYS_PTRACE), and print them as \"syscalls\"; the tracees go on untraced once lab load exits"),
	}
}

// options are the load options the parsed command line sets.
func (f loadFlags) options() []load.Option {
	duration := *f.duration
	if *f.requests > 0 && !flagSet(f.fs, load.FlagDuration) {
		duration = load.MaxDuration // -n alone: the count ends the run
	}
	return []load.Option{
		load.WithConnections(*f.conns),
		load.WithDuration(duration),
		load.WithRequests(*f.requests),
		load.WithKeepAlive(*f.keepAlive),
		load.WithPipeline(*f.pipeline),
		load.WithRate(*f.rate),
		load.WithTimeout(*f.timeout),
	}
}

func runLoad(ctx context.Context, args []string, stdout io.Writer) error {
	f := newLoadFlags()
	rest, err := parse(f.fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		f.fs.Usage()
		return errUsage
	}
	opts := f.options()
	around, asJSON := f.around, f.asJSON
	if *around != "" && !*asJSON {
		return fmt.Errorf("-%s needs -%s", protocol.FlagAround, load.FlagJSON)
	}
	if *f.trace && *around == "" {
		return fmt.Errorf("-%s needs -%s", protocol.FlagTrace, protocol.FlagAround)
	}
	var before agent.Sample
	if *around != "" {
		before = agent.TakeSample(procRoot, *around, 0)
	}
	var tracer *syscalls.Tracer
	if *f.trace {
		if tracer, err = syscalls.Start(procRoot, agent.TreePIDs(procRoot, *around)); err != nil {
			return err
		}
	}
	progress := isTerminal(os.Stderr)
	if progress {
		opts = append(opts, load.WithProgress(load.DefaultProgressEvery, progressLine(os.Stderr)))
	}
	res, err := load.Run(ctx, rest[0], opts...)
	var calls *syscalls.Counts
	if tracer != nil {
		c, terr := tracer.Stop()
		if err == nil && terr != nil {
			err = terr
		}
		calls = &c
	}
	if progress {
		fmt.Fprint(os.Stderr, "\r\033[K") // the progress line makes way for the result
	}
	if err != nil {
		return err
	}
	switch {
	case *around != "":
		after := agent.TakeSample(procRoot, *around, 0)
		err = json.NewEncoder(stdout).Encode(protocol.Around{Before: before, Result: res, After: after, Syscalls: calls})
	case *asJSON:
		err = json.NewEncoder(stdout).Encode(res)
	default:
		err = res.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}

// flagSet says whether the command line set flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// isTerminal says whether f is a character device, a terminal: a line
// redrawn in place would litter a pipe or a log file.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine returns a Progress callback that redraws one line on w.
func progressLine(w io.Writer) func(load.Progress) {
	var last load.Progress
	return func(p load.Progress) {
		rps := 0.0
		if dt := (p.Elapsed - last.Elapsed).Seconds(); dt > 0 {
			rps = float64(p.Requests-last.Requests) / dt
		}
		last = p
		fmt.Fprintf(w, "\r\033[K  %5.1fs  %d requests  %.0f req/s  %d errors", p.Elapsed.Seconds(), p.Requests, rps, p.Errors)
	}
}
