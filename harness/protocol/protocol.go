// Package protocol is how the harness talks to the agent beside a
// specimen (and to a busy neighbour's container): the lab's own binary, exec'd in the agent container, runs one
// of the commands named here with the flags named here, and streams JSON
// records on stdout, one a line; the functions here build those command
// lines from the packages' options and read the records back. Both sides
// name every command and flag from this package (the agent's side is
// cmd/lab's client, probe, sample, load, hostile, agent and hog), so the two
// cannot drift apart unnoticed. How a command line reaches the agent is
// the Execer's business (runner.Lab: a Docker exec).
package protocol

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/corpus"
	"github.com/serverlab/serverlab/harness/load"
	"github.com/serverlab/serverlab/harness/syscalls"
)

// The agent's commands: `lab <command> [flags]` in the agent container.
const (
	CommandAgent   = "agent"   // hold the namespaces, reap orphans; prints Ready
	CommandClient  = "client"  // the lab's client (client.Options' flags)
	CommandProbe   = "probe"   // one /proc snapshot
	CommandSample  = "sample"  // the sampler, a snapshot's counts every --every
	CommandLoad    = "load"    // the load generator (load.Options' flags)
	CommandHostile = "hostile" // the hostile-input corpus (corpus.Options' flags)
	CommandHog     = "hog"     // the busy neighbour: --threads spinning --for so long
	CommandSettle  = "settle"  // empty the namespace for the next specimen, waiting at most --for
)

// Ready is the line `lab agent` prints once it holds the namespaces: the
// runner waits for it before it starts the specimen.
const Ready = "agent ready"

// The flags of probe and sample, and load's own.
const (
	FlagJSON  = "json"  // probe: print JSON
	FlagPort  = "port"  // probe: also list the TCP connections of this port; sample: count its sockets
	FlagComm  = "comm"  // sample: the specimen's process name
	FlagEvery = "every" // sample: how often
	FlagKill  = "kill"  // probe: send SIGKILL to this PID first (lab ps --kill)
	FlagFor   = "for"   // sample, hog and settle: for how long at most
	// FlagThreads is how many threads hog keeps busy.
	FlagThreads = "threads"
	// FlagStart has sample print one whole snapshot (probe --json's)
	// before its first sample.
	FlagStart = "start"
	// FlagAround has load sample the specimen of this comm just before and
	// just after the run, in the same exec.
	FlagAround = "around"
	// FlagTrace has load, with --around, also count the system calls of
	// that specimen's processes and threads over the run (syscalls.Tracer).
	FlagTrace = "trace"
)

// Execer runs `lab args...` in the agent and calls line for each line it
// prints on stdout, as it comes. A non-zero exit is an error.
type Execer interface {
	Exec(ctx context.Context, line func([]byte) error, args ...string) error
}

// Client runs the lab's client in the agent against the specimen, at
// 127.0.0.1 in their shared namespace, and returns one result per connection.
func Client(ctx context.Context, ex Execer, o client.Options) ([]client.Result, error) {
	o.Host, o.Port = "127.0.0.1", catalogue.Port
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var out []client.Result
	err := ex.Exec(ctx, func(b []byte) error {
		var r client.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("client record %q: %w", b, err)
		}
		out = append(out, r)
		return nil
	}, append([]string{CommandClient}, o.Args()...)...)
	return out, err
}

// ClientSummary runs the lab's client in the agent like Client, and returns
// the counts of the connections' outcomes instead of a record of each.
func ClientSummary(ctx context.Context, ex Execer, o client.Options) (client.Summary, error) {
	o.Host, o.Port = "127.0.0.1", catalogue.Port
	var s client.Summary
	if err := o.Validate(); err != nil {
		return s, err
	}
	args := append([]string{CommandClient, "--" + client.FlagSummary}, o.Args()...)
	err := ex.Exec(ctx, func(b []byte) error { return json.Unmarshal(b, &s) }, args...)
	return s, err
}

// Probe reads /proc in the specimen's PID namespace through the agent;
// with sockets, also the TCP connections of the specimens' port and every
// process's socket inodes.
func Probe(ctx context.Context, ex Execer, sockets bool) (agent.Snapshot, error) {
	var s agent.Snapshot
	args := []string{CommandProbe, "--" + FlagJSON}
	if sockets {
		args = append(args, "--"+FlagPort, strconv.Itoa(catalogue.Port))
	}
	err := ex.Exec(ctx, func(b []byte) error { return json.Unmarshal(b, &s) }, args...)
	return s, err
}

// Around is a load run with a sample of the specimen just before and just
// after it: what the specimen spent over exactly that run. One exec of the
// agent takes all three, where three execs cost a tenth of a second more
// at every load step.
type Around struct {
	Before agent.Sample `json:"before"`
	Result load.Result  `json:"result"`
	After  agent.Sample `json:"after"`
	// Syscalls are the specimen's calls over the run, when it was traced.
	Syscalls *syscalls.Counts `json:"syscalls,omitempty"`
}

// LoadAround runs the lab's load generator in the agent against the
// specimen, at 127.0.0.1 in their shared namespace, for path, with the
// specimen (its process name comm) sampled just before and just after;
// with trace, its system calls are counted over the run too.
func LoadAround(ctx context.Context, ex Execer, comm, path string, trace bool, opts ...load.Option) (Around, error) {
	o := load.NewOptions(fmt.Sprintf("http://127.0.0.1:%d%s", catalogue.Port, path), opts...)
	var a Around
	if err := o.Validate(); err != nil {
		return a, err
	}
	args := []string{CommandLoad, "--" + FlagAround, comm}
	if trace {
		args = append(args, "--"+FlagTrace)
	}
	args = append(args, o.Args()...)
	err := ex.Exec(ctx, func(b []byte) error { return json.Unmarshal(b, &a) }, args...)
	return a, err
}

// Hostile runs the hostile-input corpus in the agent against the specimen
// on the http wire, and calls fn with each case's result as it ends.
func Hostile(ctx context.Context, ex Execer, idle time.Duration, fn func(corpus.Result)) error {
	o := corpus.NewOptions(corpus.WithTarget("127.0.0.1", catalogue.Port), corpus.WithIdle(idle))
	return ex.Exec(ctx, func(b []byte) error {
		var r corpus.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("hostile record %q: %w", b, err)
		}
		fn(r)
		return nil
	}, append([]string{CommandHostile}, o.Args()...)...)
}

// Sample runs the agent's sampler, which looks at the specimen (its
// process name comm) every interval until bound has passed or ctx is done,
// and calls fn with each sample as it comes. With start, the sampler first
// takes one whole snapshot, as Probe does, and start gets it before the
// first sample: a trial's start probe and its sampler in one exec, where
// two cost a tenth of a second more at every trial. With sockets, each
// sample also counts the sockets of the specimens' port (agent.Sockets).
func Sample(ctx context.Context, ex Execer, comm string, sockets bool, every, bound time.Duration, start func(agent.Snapshot), fn func(agent.Sample)) error {
	args := []string{CommandSample, "--" + FlagComm, comm, "--" + FlagEvery, every.String(), "--" + FlagFor, bound.String()}
	if sockets {
		args = append(args, "--"+FlagPort, strconv.Itoa(catalogue.Port))
	}
	first := start != nil
	if first {
		args = append(args, "--"+FlagStart)
	}
	return ex.Exec(ctx, func(b []byte) error {
		if first {
			first = false
			var snap agent.Snapshot
			if err := json.Unmarshal(b, &snap); err != nil {
				return fmt.Errorf("start snapshot %q: %w", b, err)
			}
			start(snap)
			return nil
		}
		var s agent.Sample
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("sample %q: %w", b, err)
		}
		fn(s)
		return nil
	}, args...)
}

// Settle has the agent empty its namespace for the next specimen (see
// agent.Settle): every process but the agent is killed and gone when it
// returns, or it fails once bound has passed.
func Settle(ctx context.Context, ex Execer, bound time.Duration) error {
	return ex.Exec(ctx, func([]byte) error { return nil }, CommandSettle, "--"+FlagFor, bound.String())
}
