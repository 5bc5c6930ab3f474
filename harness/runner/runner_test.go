package runner_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/internal/labtest"
	"github.com/serverlab/serverlab/harness/protocol"
	"github.com/serverlab/serverlab/harness/runner"
)

// TestRunPinsLimits starts the preset with the tightest limits and checks
// them where they take effect: in the container's host config, and in the
// kernel's view of the specimen process, read through the agent.
func TestRunPinsLimits(t *testing.T) {
	labtest.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := catalogue.LookupPreset("webserver3d")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := runner.Run(ctx, p, runner.WithRunID(labtest.RunID))
	defer func() {
		if lab != nil {
			_ = lab.Terminate(context.Background())
		}
	}()
	if err != nil {
		t.Fatalf("run: %v", err)
	}

	insp, err := lab.Container.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hc := insp.HostConfig
	agentID := lab.Agent.GetContainerID()
	for _, c := range []struct {
		name      string
		got, want any
	}{
		// the specimen lives in its agent's namespaces
		{"network mode", string(hc.NetworkMode), "container:" + agentID},
		{"pid mode", string(hc.PidMode), "container:" + agentID},
		// hardening
		{"read-only root", hc.ReadonlyRootfs, true},
		{"capabilities dropped", slices.Equal(hc.CapDrop, []string{"ALL"}), true},
		{"no-new-privileges", slices.Contains(hc.SecurityOpt, "no-new-privileges"), true},
		// cgroup limits
		{"pids limit", *hc.PidsLimit, p.Limits.Pids},
		{"memory", hc.Memory, p.Limits.Memory},
		{"cpus", hc.NanoCPUs, int64(p.Limits.CPUs * 1e9)},
		// the preset's UID, moved out of the playground's range
		{"user", insp.Config.User, "20005:20005"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}

	snap, err := protocol.Probe(ctx, lab, false)
	if err != nil {
		t.Fatal(err)
	}
	srv, ok := snap.Server(p.Specimen)
	if !ok {
		t.Fatalf("no %s process in %+v", p.Specimen, snap.Processes)
	}
	for _, c := range []struct {
		name      string
		got, want int64
	}{
		// ulimit -n 256, as the article
		{"nofile", srv.NoFile, p.Limits.NoFile},
		// ulimit -u 400, as the article
		{"nproc", srv.NProc, p.Limits.NProc},
		// the preset's own UID (plus the harness's offset), never root
		{"uid", int64(srv.UID), int64(p.Limits.UID + runner.UIDOffset)},
		// stdin, stdout, stderr and the listener: readable only with the agent's capabilities
		{"descriptors", int64(srv.FDs), 4},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if agent := snap.Processes[0]; agent.PID != 1 || agent.Comm != "lab" {
		t.Errorf("PID 1 is %+v, want the agent", agent)
	}
	if snap.Somaxconn <= 0 {
		t.Errorf("somaxconn %d, want it read", snap.Somaxconn)
	}
}

// TestTerminateRemovesEverything checks that a lab leaves no container
// behind, whether it started or failed to.
func TestTerminateRemovesEverything(t *testing.T) {
	labtest.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := catalogue.LookupPreset("webserver1")
	if err != nil {
		t.Fatal(err)
	}
	const id = "test-terminate"
	defer runner.Cleanup(context.Background(), id)

	lab, err := runner.Run(ctx, p, runner.WithRunID(id))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if ids, err := runner.List(ctx, id); err != nil || len(ids) != 2 {
		t.Errorf("running: got %d labelled containers (%v), want 2: agent and specimen", len(ids), err)
	}
	if err := lab.Terminate(ctx); err != nil {
		t.Errorf("terminate: %v", err)
	}
	if ids, err := runner.List(ctx, id); err != nil || len(ids) != 0 {
		t.Errorf("after Terminate: got %d labelled containers (%v), want 0", len(ids), err)
	}

	// A specimen that cannot start (bad flag: it exits with usage) leaves a
	// partial lab whose Terminate still removes both containers.
	lab, err = runner.Run(ctx, p, runner.WithRunID(id), runner.WithArgs("--no-such-flag"), runner.WithStartTimeout(5*time.Second))
	if err == nil {
		t.Error("run with a bad flag: got no error")
	}
	if lab == nil {
		t.Fatal("run with a bad flag: got no partial lab to terminate")
	}
	_ = lab.Terminate(ctx)
	if ids, err := runner.List(ctx, id); err != nil || len(ids) != 0 {
		t.Errorf("after a failed start: got %d labelled containers (%v), want 0", len(ids), err)
	}
}

// TestMissingImage: an image the lab has not built is one line that says
// to build it, never a pull from a public registry.
func TestMissingImage(t *testing.T) {
	labtest.Docker(t)
	err := runner.Present(context.Background(), "serverlab/no-such-specimen:dev")
	if err == nil || !strings.Contains(err.Error(), "lab build") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v, want one line saying to run lab build", err)
	}
}
