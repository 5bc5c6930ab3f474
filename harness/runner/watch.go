package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/protocol"
)

// composeService is the label Compose (v1 and v2) puts on a service's
// containers.
const composeService = "com.docker.compose.service"

// Resolve finds the running container that target names: a Compose
// service of the playground (webserver3c), or a container's name or ID.
func Resolve(ctx context.Context, target string) (string, error) {
	cli, err := DockerClient(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{
		Filters: make(client.Filters).Add("label", composeService+"="+target),
	})
	if err != nil {
		return "", fmt.Errorf("find %s: %w", target, err)
	}
	switch len(res.Items) {
	case 0:
	case 1:
		return res.Items[0].ID, nil
	default:
		return "", fmt.Errorf("find %s: %d running containers of that service; name one", target, len(res.Items))
	}
	insp, err := cli.ContainerInspect(ctx, target, client.ContainerInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("find %s: no running service or container of that name (docker compose --profile play up -d %s)", target, target)
	}
	if !insp.Container.State.Running {
		return "", fmt.Errorf("find %s: the container is not running", target)
	}
	return insp.Container.ID, nil
}

// Watch starts a short-lived agent in the PID namespace of the container
// id and calls fn with a snapshot of its processes every interval (once
// when every is 0) until ctx ends; the agent is removed on return. It reads
// /proc inside the engine, never the caller's: on Docker Desktop that is the
// VM's, where the container runs.
func Watch(ctx context.Context, id string, every time.Duration, fn func(agent.Snapshot) error) error {
	return watch(ctx, id, every, 0, fn)
}

// KillAndWatch is Watch after a SIGKILL to process pid of id's PID
// namespace (as the namespace numbers it, as Watch shows it): the article's
// "kill -9 does not remove a zombie", tried. The probe that sends it is
// given CAP_KILL for that, and keeps no more than Watch's afterwards.
func KillAndWatch(ctx context.Context, id string, pid int, every time.Duration, fn func(agent.Snapshot) error) error {
	if pid < 2 {
		return fmt.Errorf("kill %d: want a PID of 2 or more (1 is the server's first process)", pid)
	}
	return watch(ctx, id, every, pid, fn)
}

func watch(ctx context.Context, id string, every time.Duration, kill int, fn func(agent.Snapshot) error) error {
	if err := Present(ctx, catalogue.Image(catalogue.AgentTarget)); err != nil {
		return err
	}
	cli, err := DockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	cmd := []string{protocol.CommandProbe, "--" + protocol.FlagJSON}
	if every > 0 {
		cmd = append(cmd, "--"+protocol.FlagEvery, every.String())
	}
	host := psHost(id)
	if kill > 0 {
		cmd = append(cmd, "--"+protocol.FlagKill, strconv.Itoa(kill))
		host.CapAdd = append(host.CapAdd, "KILL")
	}
	// The creation does not heed ctx (see start): a Ctrl-C now would leave
	// a probe no one removes.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	defer cancel()
	created, err := cli.ContainerCreate(cctx, client.ContainerCreateOptions{
		Config: &container.Config{
			Image: catalogue.Image(catalogue.AgentTarget), Cmd: cmd, User: "0:0",
			Labels: map[string]string{LabelLab: "true", LabelRole: "ps"},
		},
		HostConfig: host,
	})
	if err != nil {
		return fmt.Errorf("start the probe: %w", err)
	}
	defer func() {
		// A fresh context: ctx is done after a Ctrl-C, and the probe must go.
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = cli.ContainerRemove(rctx, created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	if _, err := cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start the probe: %w", err)
	}
	logs, err := cli.ContainerLogs(ctx, created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return fmt.Errorf("read the probe: %w", err)
	}
	defer logs.Close()
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, io.Discard, logs)
		pw.CloseWithError(err)
	}()
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var s agent.Snapshot
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return fmt.Errorf("read the probe: %w", err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil // interrupted: the watch is over
	}
	return sc.Err()
}

// psHost joins the PID namespace of id with what reading another UID's
// descriptors takes, and nothing else: no network, read-only root.
func psHost(id string) *container.HostConfig {
	pids := int64(16)
	hc := &container.HostConfig{}
	lockDown(hc)
	hc.PidMode = container.PidMode("container:" + id)
	hc.Resources.PidsLimit = &pids
	hc.Resources.Memory = 64 << 20
	return hc
}
