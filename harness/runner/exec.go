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
	cli, err := dockerClient(ctx)
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
	args := []string{"client", "--json",
		"--host", o.Host, "--port", strconv.Itoa(o.Port),
		"--max-clients", strconv.Itoa(o.Clients), "--max-conns", strconv.Itoa(o.Conns),
		"--timeout", o.Timeout.String(), "--ramp", o.Ramp.String(), "--path", o.Path,
	}
	if len(o.Request) > 0 {
		args = append(args, "--raw", string(o.Request))
	}
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

// Probe reads /proc in the specimen's PID namespace through the agent.
func (l *Lab) Probe(ctx context.Context) (agent.Snapshot, error) {
	var s agent.Snapshot
	err := l.Exec(ctx, func(b []byte) error { return json.Unmarshal(b, &s) }, "probe", "--json")
	return s, err
}
