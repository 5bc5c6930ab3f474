package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/runner"
)

func runAgent(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("agent")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return agent.Serve(ctx, func() { fmt.Fprintln(stdout, runner.AgentReady) })
}

func runProbe(_ context.Context, args []string, stdout io.Writer) error {
	fs := flags("probe")
	root := fs.String("proc", "/proc", "where procfs is mounted")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := agent.Read(*root)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(s)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PID\tPPID\tSTATE\tUID\tTHREADS\tFDS\tCOMM")
	for _, p := range s.Processes {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%d\t%d\t%d\t%s\n", p.PID, p.PPID, p.State, p.UID, p.Threads, p.FDs, p.Comm)
	}
	fmt.Fprintf(tw, "\nnet.core.somaxconn = %d\n", s.Somaxconn)
	return tw.Flush()
}
