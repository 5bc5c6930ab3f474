package runner

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/serverlab/serverlab/harness/protocol"
)

// A Lab's agent takes the protocol's command lines.
var _ protocol.Execer = (*Lab)(nil)

// agentBinary is the lab's binary in the agent image.
const agentBinary = "/lab"

// Exec runs `lab args...` in the agent and calls line for each line it
// prints on stdout, as it comes: the agent streams JSON records this way.
// A non-zero exit is an error carrying the agent's stderr.
func (l *Lab) Exec(ctx context.Context, line func([]byte) error, args ...string) error {
	return agentExec{l.Agent}.Exec(ctx, line, args...)
}

// agentExec runs the protocol's command lines in an agent's container.
type agentExec struct {
	c *testcontainers.DockerContainer
}

func (a agentExec) Exec(ctx context.Context, line func([]byte) error, args ...string) error {
	if a.c == nil {
		return fmt.Errorf("exec %s: no agent", strings.Join(args, " "))
	}
	cli, err := DockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	cmd := append([]string{agentBinary}, args...)
	created, err := cli.ExecCreate(ctx, a.c.GetContainerID(), client.ExecCreateOptions{
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
		case <-time.After(execPoll):
		}
	}
}

// execPoll is how often finished asks again: the state follows the stream's
// end within milliseconds, and every exec of a trial's set-up waits for it.
const execPoll = 5 * time.Millisecond
