package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	labclient "github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/corpus"
	"github.com/serverlab/serverlab/harness/load"
)

// agentBinary is the lab's binary in the agent image.
const agentBinary = "/lab"

// Exec runs `lab args...` in the agent and calls line for each line it
// prints on stdout, as it comes: the agent streams JSON records this way.
// A non-zero exit is an error carrying the agent's stderr.
func (l *Lab) Exec(ctx context.Context, line func([]byte) error, args ...string) error {
	if l.Agent == nil {
		return fmt.Errorf("exec %s: no agent", strings.Join(args, " "))
	}
	cli, err := DockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	cmd := append([]string{agentBinary}, args...)
	created, err := cli.ExecCreate(ctx, l.Agent.GetContainerID(), client.ExecCreateOptions{
		Cmd: cmd, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return fmt.Errorf("exec %s: %w", strings.Join(cmd, " "), err)
	}
	att, err := cli.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return fmt.Errorf("exec %s: %w", strings.Join(cmd, " "), err)
	}
	defer att.Close()
	// The stream is a hijacked connection that ignores ctx: close it when
	// ctx ends, so that a reader blocked on it returns.
	stop := context.AfterFunc(ctx, func() { att.Close() })
	defer stop()

	// The exec stream multiplexes stdout and stderr; split them, and read
	// stdout line by line while it comes.
	pr, pw := io.Pipe()
	defer pr.Close() // unblocks the copier if reading stops early
	var stderr bytes.Buffer
	go func() {
		_, err := stdcopy.StdCopy(pw, &stderr, att.Reader)
		pw.CloseWithError(err)
	}()
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var lineErr error
	for sc.Scan() {
		if lineErr == nil {
			lineErr = line(sc.Bytes())
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("exec %s: read: %w", strings.Join(cmd, " "), err)
	}
	if lineErr != nil {
		return lineErr
	}
	insp, err := finished(ctx, cli.Client, created.ID)
	if err != nil {
		return fmt.Errorf("exec %s: %w", strings.Join(cmd, " "), err)
	}
	if insp.ExitCode != 0 {
		return fmt.Errorf("exec %s: exit %d: %s", strings.Join(cmd, " "), insp.ExitCode, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// finished waits for an exec to be marked ended: the engine closes the
// stream first and updates the exec's state just after.
func finished(ctx context.Context, cli *client.Client, id string) (client.ExecInspectResult, error) {
	for {
		insp, err := cli.ExecInspect(ctx, id, client.ExecInspectOptions{})
		if err != nil || !insp.Running {
			return insp, err
		}
		select {
		case <-ctx.Done():
			return insp, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Client runs the lab's client in the agent against the specimen, at
// 127.0.0.1 in their shared namespace, and returns one result per connection.
func (l *Lab) Client(ctx context.Context, o labclient.Options) ([]labclient.Result, error) {
	o.Host, o.Port = "127.0.0.1", catalogue.Port
	if err := o.Validate(); err != nil {
		return nil, err
	}
	args := append([]string{"client"}, o.Args()...)
	var out []labclient.Result
	err := l.Exec(ctx, func(b []byte) error {
		var r labclient.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("client record %q: %w", b, err)
		}
		out = append(out, r)
		return nil
	}, args...)
	return out, err
}

// ClientSummary runs the lab's client in the agent like Client, and returns
// the counts of the connections' outcomes instead of a record of each.
func (l *Lab) ClientSummary(ctx context.Context, o labclient.Options) (labclient.Summary, error) {
	o.Host, o.Port = "127.0.0.1", catalogue.Port
	var s labclient.Summary
	if err := o.Validate(); err != nil {
		return s, err
	}
	args := append([]string{"client", "--" + labclient.FlagSummary}, o.Args()...)
	err := l.Exec(ctx, func(b []byte) error { return json.Unmarshal(b, &s) }, args...)
	return s, err
}

// Probe reads /proc in the specimen's PID namespace through the agent;
// with sockets, also the TCP connections of the specimens' port and every
// process's socket inodes.
func (l *Lab) Probe(ctx context.Context, sockets bool) (agent.Snapshot, error) {
	var s agent.Snapshot
	args := []string{"probe", "--json"}
	if sockets {
		args = append(args, "--port", strconv.Itoa(catalogue.Port))
	}
	err := l.Exec(ctx, func(b []byte) error { return json.Unmarshal(b, &s) }, args...)
	return s, err
}

// FlagAround is the agent's `lab load` flag that samples the specimen just
// before and just after the run, in the same exec.
const FlagAround = "around"

// Around is a load run with a sample of the specimen just before and just
// after it: what the specimen spent over exactly that run. One exec of the
// agent takes all three, where three execs cost a tenth of a second more
// at every load step.
type Around struct {
	Before agent.Sample `json:"before"`
	Result load.Result  `json:"result"`
	After  agent.Sample `json:"after"`
}

// LoadAround runs the lab's load generator in the agent against the
// specimen, at 127.0.0.1 in their shared namespace, for path, with the
// specimen sampled just before and just after.
func (l *Lab) LoadAround(ctx context.Context, path string, opts ...load.Option) (Around, error) {
	o := load.NewOptions(fmt.Sprintf("http://127.0.0.1:%d%s", catalogue.Port, path), opts...)
	var a Around
	if err := o.Validate(); err != nil {
		return a, err
	}
	args := append([]string{"load", "--" + FlagAround, l.Specimen.Comm}, o.Args()...)
	err := l.Exec(ctx, func(b []byte) error { return json.Unmarshal(b, &a) }, args...)
	return a, err
}

// Hostile runs the hostile-input corpus in the agent against the specimen
// on the http wire, and calls fn with each case's result as it ends.
func (l *Lab) Hostile(ctx context.Context, idle time.Duration, fn func(corpus.Result)) error {
	o := corpus.NewOptions(corpus.WithTarget("127.0.0.1", catalogue.Port), corpus.WithIdle(idle))
	return l.Exec(ctx, func(b []byte) error {
		var r corpus.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("hostile record %q: %w", b, err)
		}
		fn(r)
		return nil
	}, append([]string{"hostile"}, o.Args()...)...)
}

// Sample runs the agent's sampler, which looks at the specimen every
// interval until bound has passed or ctx is done, and calls fn with each
// sample as it comes.
func (l *Lab) Sample(ctx context.Context, every, bound time.Duration, fn func(agent.Sample)) error {
	return l.Exec(ctx, func(b []byte) error {
		var s agent.Sample
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("sample %q: %w", b, err)
		}
		fn(s)
		return nil
	}, "sample", "--comm", l.Specimen.Comm, "--every", every.String(), "--for", bound.String())
}
