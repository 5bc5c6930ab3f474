package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/protocol"
)

func runAgent(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags(protocol.CommandAgent)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return agent.Serve(ctx, func() { fmt.Fprintln(stdout, protocol.Ready) })
}

func runSettle(ctx context.Context, args []string, _ io.Writer) error {
	fs := flags(protocol.CommandSettle)
	root := fs.String("proc", "/proc", "where procfs is mounted")
	bound := fs.Duration(protocol.FlagFor, 5*time.Second, "fail if processes are left after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *bound <= 0 {
		return fmt.Errorf("settle needs a positive --for")
	}
	ctx, cancel := context.WithTimeout(ctx, *bound)
	defer cancel()
	return agent.Settle(ctx, *root)
}

func runHog(ctx context.Context, args []string, _ io.Writer) error {
	fs := flags(protocol.CommandHog)
	threads := fs.Int(protocol.FlagThreads, 1, "threads to keep busy")
	bound := fs.Duration(protocol.FlagFor, time.Hour, "stop after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *threads < 1 || *threads > 64 || *bound <= 0 {
		return fmt.Errorf("hog needs 1 to 64 --threads and a positive --for")
	}
	agent.Hog(ctx, *threads, *bound)
	return nil
}

func runProbe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags(protocol.CommandProbe)
	root := fs.String("proc", "/proc", "where procfs is mounted")
	port := fs.Int(protocol.FlagPort, 0, "also list the TCP connections to or from this port (0: none)")
	asJSON := fs.Bool(protocol.FlagJSON, false, "print JSON, one snapshot per line")
	every := fs.Duration(protocol.FlagEvery, 0, "take a snapshot this often until interrupted (0: once)")
	bound := fs.Duration(protocol.FlagFor, time.Hour, "with --every, stop after this long")
	kill := fs.Int(protocol.FlagKill, 0, "send SIGKILL to this PID first, then look (0: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *kill > 0 {
		if err := agent.Kill(*kill); err != nil {
			return err
		}
	}
	show := func(s agent.Snapshot) error {
		if *asJSON {
			return json.NewEncoder(stdout).Encode(s)
		}
		return writeProcesses(stdout, s)
	}
	if *every <= 0 {
		s, err := agent.Read(*root, *port)
		if err != nil {
			return err
		}
		return show(s)
	}
	ctx, cancel := context.WithTimeout(ctx, *bound)
	defer cancel()
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for {
		s, err := agent.Read(*root, *port)
		if err != nil {
			return err
		}
		if err := show(s); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func runSample(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags(protocol.CommandSample)
	root := fs.String("proc", "/proc", "where procfs is mounted")
	comm := fs.String(protocol.FlagComm, "", "the specimen's process name (required)")
	every := fs.Duration(protocol.FlagEvery, agent.DefaultSampleEvery, "how often to sample")
	bound := fs.Duration(protocol.FlagFor, 10*time.Minute, "stop after this long")
	start := fs.Bool(protocol.FlagStart, false, "first print one whole snapshot, as probe --json does")
	port := fs.Int(protocol.FlagPort, 0, "also count the sockets of this TCP port: the listener's accept queue, the connections by state, their queues (0: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *comm == "" || *every <= 0 || *bound <= 0 {
		return fmt.Errorf("sample needs --comm, and a positive --every and --for (catalogue names: %s)", specimenComms())
	}
	enc := json.NewEncoder(stdout)
	if *start {
		s, err := agent.Read(*root, 0)
		if err != nil {
			return err
		}
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	return agent.Watch(ctx, *root, *comm, *port, *every, *bound, func(s agent.Sample) error { return enc.Encode(s) })
}

func specimenComms() string {
	var s string
	for i, sp := range catalogue.Specimens() {
		if i > 0 {
			s += ", "
		}
		s += sp.Comm
	}
	return s
}
