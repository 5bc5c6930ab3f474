package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/internal/labtest"
	"github.com/serverlab/serverlab/harness/protocol"
	"github.com/serverlab/serverlab/harness/runner"
)

// TestAgentsLendOneAgentInTurn: two specimens run one after the other
// beside the same agent of a pool, and the second finds the namespace as a
// fresh agent would: none of the first's zombies, no sampler left running
// from an exec whose stream was closed. A pool's agents are gone at Close.
func TestAgentsLendOneAgentInTurn(t *testing.T) {
	labtest.Docker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const id = "test-agents"
	defer runner.Cleanup(context.Background(), id)
	// 3d forks a child per connection and never waits for it: zombies.
	p, err := catalogue.LookupPreset("webserver3d")
	if err != nil {
		t.Fatal(err)
	}
	pool := runner.NewAgents(id, id)

	first, err := runner.Run(ctx, p, runner.WithRunID(id), runner.WithAgents(pool))
	if err != nil {
		t.Fatalf("first run: %v", err)
	}
	if first.AgentServed != 0 {
		t.Errorf("first specimen: agent served %d before, want 0", first.AgentServed)
	}
	agentID := first.Agent.GetContainerID()
	if _, err := protocol.Client(ctx, first, client.Options{Clients: 5, Conns: 1, Timeout: 5 * time.Second, Path: "/hello"}); err != nil {
		t.Fatalf("clients: %v", err)
	}
	if n := zombies(t, ctx, first); n == 0 {
		t.Fatalf("the first specimen left no zombie to clear (the test proves nothing)")
	}
	// A sampler whose stream is closed keeps running in the agent.
	sctx, scancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_ = protocol.Sample(sctx, first, first.Specimen.Comm, false, 10*time.Millisecond, time.Minute, nil, func(agent.Sample) {})
	scancel()
	if err := first.Terminate(ctx); err != nil {
		t.Fatalf("terminate the first: %v", err)
	}
	pool.Quiet() // the first specimen's container is removed meanwhile
	if ids, err := runner.List(ctx, id); err != nil || len(ids) != 1 {
		t.Errorf("between the two: %d labelled containers (%v), want 1: the idle agent", len(ids), err)
	}

	second, err := runner.Run(ctx, p, runner.WithRunID(id), runner.WithAgents(pool))
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if got := second.Agent.GetContainerID(); got != agentID {
		t.Errorf("second specimen beside agent %.12s, want the first's %.12s", got, agentID)
	}
	if second.AgentServed != 1 {
		t.Errorf("second specimen: agent served %d before, want 1", second.AgentServed)
	}
	snap, err := protocol.Probe(ctx, second, false)
	if err != nil {
		t.Fatal(err)
	}
	var specimens, labs int
	for _, pr := range snap.Processes {
		switch pr.Comm {
		case second.Specimen.Comm:
			specimens++
			if pr.State == "Z" {
				t.Errorf("a zombie is there at the second start: %+v", pr)
			}
		case "lab":
			labs++
		default:
			t.Errorf("a process no trial started is there: %+v", pr)
		}
	}
	if specimens != 1 || labs != 2 {
		t.Errorf("at the second start: %d specimen processes and %d lab ones, want 1 and 2 (the agent and the probe)", specimens, labs)
	}
	if err := second.Terminate(ctx); err != nil {
		t.Fatalf("terminate the second: %v", err)
	}
	if err := pool.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	if ids, err := runner.List(ctx, id); err != nil || len(ids) != 0 {
		t.Errorf("after Close: %d labelled containers (%v), want 0", len(ids), err)
	}
}

// zombies counts the specimen's zombies, as the agent sees them.
func zombies(t *testing.T, ctx context.Context, l *runner.Lab) int {
	t.Helper()
	snap, err := protocol.Probe(ctx, l, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, pr := range snap.Processes {
		if pr.Comm == l.Specimen.Comm && pr.State == "Z" {
			n++
		}
	}
	return n
}
