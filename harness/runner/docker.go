// Package runner starts specimens in containers with their pinned limits,
// next to the lab's agent, and tears everything down again: the container
// lifecycle and nothing else.
package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/serverlab/serverlab/harness/experiment"
)

// Labels put on everything the runner creates, so that Cleanup finds it even
// after a crash. There is no Ryuk reaper here: its image cannot be pulled on
// an offline machine.
const (
	LabelLab    = "org.serverlab.lab"
	LabelRun    = "org.serverlab.run"
	LabelRole   = "org.serverlab.role"
	LabelPreset = "org.serverlab.preset"
)

var configureOnce sync.Once

// configure sets testcontainers' environment before its first use (it reads
// it once): no Ryuk, whose image cannot be pulled offline, so the runner
// cleans up by label itself; and the host as 127.0.0.1, since left alone it
// resolved this machine's gateway address, which the lab never dials.
// A caller's own settings win.
func configure() {
	configureOnce.Do(func() {
		for k, v := range map[string]string{
			"TESTCONTAINERS_RYUK_DISABLED": "true",
			"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
		} {
			if _, set := os.LookupEnv(k); !set {
				_ = os.Setenv(k, v)
			}
		}
		// testcontainers prints a banner and progress to stderr by default;
		// a library of the lab prints nothing.
		tclog.SetDefault(tclog.NewNoopLogger())
	})
}

// engineQuestion bounds the first question a client asks the engine.
const engineQuestion = 30 * time.Second

// DockerClient returns a client for the engine testcontainers would use,
// configured as every package of the lab needs it (no Ryuk, the host
// override): the runner's, and package image's for building.
// An explicit DOCKER_HOST is that engine or an error naming it: left alone,
// testcontainers would try its other ways to find an engine and fall back
// to the local socket, and a run meant for a remote engine would silently
// run here.
func DockerClient(ctx context.Context) (*testcontainers.DockerClient, error) {
	configure()
	if err := reachDockerHost(ctx); err != nil {
		return nil, err
	}
	// The first client asks the engine for its socket once per process, and
	// testcontainers panics if that call fails: a Ctrl-C at that moment
	// crashed the lab. The question does not heed ctx; it is bounded.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), engineQuestion)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(qctx, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("connect to docker: %w", err)
	}
	if err := ctx.Err(); err != nil {
		cli.Close()
		return nil, err
	}
	return cli, nil
}

// Ping checks that the engine answers, before a run starts anything: a
// failure is one line that names the engine and what to do.
func Ping(ctx context.Context) error {
	cli, err := DockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("the Docker engine at %s does not answer (start Docker, or point DOCKER_HOST at an engine): %w",
			cli.DaemonHost(), rootCause(err))
	}
	return nil
}

// reachDockerHost pings the engine $DOCKER_HOST names, if it names one.
func reachDockerHost(ctx context.Context) error {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		return nil
	}
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("DOCKER_HOST=%s: %w", host, err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		return fmt.Errorf("DOCKER_HOST=%s does not answer (unset it to use the local engine): %w", host, rootCause(err))
	}
	return nil
}

// rootCause is the innermost error: a failed dial says "connection
// refused" after three layers of URL and operation.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// DescribeEngine asks the engine about itself and the kernel it runs on:
// part of the environment every record keeps, since the lessons are the
// kernel's.
func DescribeEngine(ctx context.Context) (experiment.Engine, error) {
	cli, err := DockerClient(ctx)
	if err != nil {
		return experiment.Engine{}, err
	}
	defer cli.Close()
	res, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return experiment.Engine{}, fmt.Errorf("docker info: %w", err)
	}
	i := res.Info
	e := experiment.Engine{
		Kernel: i.KernelVersion, DockerVersion: i.ServerVersion, CgroupVersion: i.CgroupVersion,
		CgroupDriver: i.CgroupDriver, OS: i.OperatingSystem, Arch: i.Architecture, CPUs: i.NCPU, MemoryBytes: i.MemTotal,
	}
	// The API the engine speaks at most, and the one this client settled
	// on with it: an engine that refuses an old API's fields says so here.
	if v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{}); err == nil {
		e.APIVersion = v.APIVersion
	}
	e.ClientAPIVersion = cli.ClientVersion()
	return e, nil
}
