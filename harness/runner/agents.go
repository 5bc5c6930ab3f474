package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/serverlab/serverlab/harness/protocol"
)

// settleBound bounds the wait for an agent's namespace to empty between two
// specimens: the agent kills what is left, which is gone within
// milliseconds (settle took about 90 ms a trial, its exec included).
const settleBound = 5 * time.Second

// Agents is a pool of agents that one run's trials borrow in turn (Run
// with WithAgents), so that a trial starts one container, the specimen's,
// and not two: an agent's start (its network namespace, above all) was
// two-fifths of a trial's set-up. Between two specimens the pool empties
// the agent's namespace (protocol.Settle): no process, zombie or client of
// one trial is there in the next. What a namespace keeps besides processes
// is the kernel's: sockets in TIME_WAIT and the TCP counters of
// /proc/net/netstat, which the lab reads as differences over a step. An
// agent pinned to other CPUs is another agent.
type Agents struct {
	runID, name string
	mu          sync.Mutex
	idle        map[string][]*testcontainers.DockerContainer // by AgentCPUs
	agents      map[*testcontainers.DockerContainer]*pooled  // every agent not removed, lent or idle
	made        int
	removing    int        // specimens' containers being removed, under mu
	removed     *sync.Cond // on mu: signalled as removing falls to 0
}

// pooled is what the pool knows of one of its agents.
type pooled struct {
	cpus   string // its cpuset (Options.AgentCPUs)
	served int    // specimens it has been lent for
}

// NewAgents makes an empty pool; its agents are labelled with runID and
// named name-a1-agent, name-a2-agent, ...
func NewAgents(runID, name string) *Agents {
	a := &Agents{runID: runID, name: name,
		idle: map[string][]*testcontainers.DockerContainer{}, agents: map[*testcontainers.DockerContainer]*pooled{}}
	a.removed = sync.NewCond(&a.mu)
	return a
}

// take lends an idle agent pinned to cpus, and says how many specimens it
// served before; nil when there is none.
func (a *Agents) take(cpus string) (*testcontainers.DockerContainer, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	idle := a.idle[cpus]
	if len(idle) == 0 {
		return nil, 0
	}
	c := idle[len(idle)-1]
	a.idle[cpus] = idle[:len(idle)-1]
	p := a.agents[c]
	p.served++
	return c, p.served - 1
}

// start starts a new agent for the pool, pinned as o says.
func (a *Agents) start(ctx context.Context, o Options) (*testcontainers.DockerContainer, error) {
	a.mu.Lock()
	a.made++
	o.Name, o.RunID = fmt.Sprintf("%s-a%d", a.name, a.made), a.runID
	a.mu.Unlock()
	c, err := startAgent(ctx, o, "")
	if c != nil {
		a.mu.Lock()
		a.agents[c] = &pooled{cpus: o.AgentCPUs, served: 1}
		a.mu.Unlock()
	}
	return c, err
}

// give takes c back from a specimen that ran beside it (ran: false when it
// never started), and keeps it only if its namespace empties, the
// specimen's processes killed with the rest; otherwise c is removed.
func (a *Agents) give(ctx context.Context, c *testcontainers.DockerContainer, ran bool) {
	ok := ran
	if ok {
		err := protocol.Settle(ctx, agentExec{c}, settleBound)
		ok = err == nil
	}
	a.mu.Lock()
	p, ours := a.agents[c]
	switch {
	case !ours: // the pool was closed meanwhile
	case ok:
		a.idle[p.cpus] = append(a.idle[p.cpus], c)
		a.mu.Unlock()
		return
	default:
		delete(a.agents, c)
	}
	a.mu.Unlock()
	_ = remove(ctx, c)
}

// removeLater removes a specimen's container, stopped already, in the
// background: the next trial's specimen starts meanwhile.
func (a *Agents) removeLater(c *testcontainers.DockerContainer) {
	a.mu.Lock()
	a.removing++
	a.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), removeBound)
		defer cancel()
		_ = remove(ctx, c)
		a.mu.Lock()
		if a.removing--; a.removing == 0 {
			a.removed.Broadcast()
		}
		a.mu.Unlock()
	}()
}

// removeBound bounds a background removal.
const removeBound = 30 * time.Second

// Quiet waits until no container of the pool's is being removed: a trial
// calls it before it measures, so that the engine's work on the last
// trial's containers never overlaps this one's steps.
func (a *Agents) Quiet() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.removing > 0 {
		a.removed.Wait()
	}
}

// Close removes every agent the pool started, lent or idle, once every
// specimen's container handed to it is gone.
func (a *Agents) Close(ctx context.Context) error {
	a.Quiet()
	a.mu.Lock()
	all := a.agents
	a.agents, a.idle = map[*testcontainers.DockerContainer]*pooled{}, map[string][]*testcontainers.DockerContainer{}
	a.mu.Unlock()
	var errs []error
	for c := range all {
		if err := remove(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
