package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/protocol"
)

// Lab is one specimen running beside its agent. The agent holds the network
// and PID namespaces (its network is loopback only) and the specimen joins
// them: clients in the agent dial 127.0.0.1 with no proxy in between, and the
// agent outlives a specimen that dies.
type Lab struct {
	Preset    catalogue.Preset
	Specimen  catalogue.Specimen
	Limits    catalogue.Limits
	Wire      string
	Args      []string // the specimen's command line
	Agent     *testcontainers.DockerContainer
	Container *testcontainers.DockerContainer // the specimen's
	// AgentServed is how many specimens the agent served before this
	// one: 0 for an agent started for this one (see Agents).
	AgentServed int
	// agents, when set, lent the agent and takes it back at Terminate.
	agents *Agents
}

// Run starts the agent, then the specimen in its namespaces, and waits until
// the specimen logs that it listens. On error it returns the partial Lab, so
// that the caller's Terminate always runs.
func Run(ctx context.Context, p catalogue.Preset, opts ...Option) (*Lab, error) {
	configure()
	o := newOptions(opts)
	spec, err := catalogue.LookupSpecimen(p.Specimen)
	if err != nil {
		return nil, err
	}
	l := &Lab{Preset: p, Specimen: spec, Limits: p.Limits, Wire: p.Wire}
	if o.Limits != nil {
		l.Limits = *o.Limits
	}
	if o.Wire != "" {
		l.Wire = o.Wire
	}
	flags := p.Args
	if o.Args != nil {
		flags = o.Args
	}
	l.Args = catalogue.CommandLine(flags, l.Wire)
	// RLIMIT_NPROC counts per UID across the host: a playground container
	// of the same preset (its zombies above all) must not count against a
	// run's limit, so the harness runs each preset under UID + UIDOffset.
	l.Limits.UID += UIDOffset
	if err := l.Limits.Validate(); err != nil {
		return l, fmt.Errorf("preset %s: %w", p.Name, err)
	}
	if err := Present(ctx, catalogue.Image(catalogue.AgentTarget), spec.Image()); err != nil {
		return l, err
	}

	if l.agents = o.Agents; l.agents == nil {
		l.Agent, err = startAgent(ctx, o, p.Name)
	} else if l.Agent, l.AgentServed = l.agents.take(o.AgentCPUs); l.Agent == nil {
		l.Agent, err = l.agents.start(ctx, o)
	}
	if err != nil {
		return l, fmt.Errorf("start agent for %s: %w", p.Name, explain(err))
	}
	profile, err := spec.SeccompProfile()
	if err != nil {
		return l, err
	}
	ns := "container:" + l.Agent.GetContainerID()
	l.Container, err = start(ctx, spec.Image(), quiet,
		testcontainers.WithCmd(l.Args...),
		named(o.Name, "specimen"),
		testcontainers.WithLabels(labels(o.RunID, "specimen", p.Name)),
		testcontainers.WithConfigModifier(func(c *container.Config) {
			c.User = fmt.Sprintf("%d:%d", l.Limits.UID, l.Limits.UID)
		}),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			specimenHost(hc, l.Limits)
			if profile != "" {
				hc.SecurityOpt = append(hc.SecurityOpt, "seccomp="+profile)
			}
			hc.Resources.CpusetCpus = o.SpecimenCPUs
			hc.NetworkMode = container.NetworkMode(ns)
			hc.PidMode = container.PidMode(ns)
		}),
		testcontainers.WithWaitStrategy(wait.ForLog(catalogue.LogListening).WithStartupTimeout(o.StartTimeout).WithPollInterval(logPoll)),
	)
	if err != nil {
		return l, fmt.Errorf("start %s: %w", p.Name, explain(err))
	}
	return l, nil
}

// quiet keeps testcontainers' log lines out of the lab's output.
var quiet = testcontainers.WithLogger(tclog.NewNoopLogger())

// labels are a container's labels: the lab's, its run, its role and, for
// a specimen and the agent started for it alone, the preset.
func labels(runID, role, preset string) map[string]string {
	l := map[string]string{LabelLab: "true", LabelRun: runID, LabelRole: role}
	if preset != "" {
		l[LabelPreset] = preset
	}
	return l
}

// named names a container name-role; no name lets the engine pick one.
func named(name, role string) testcontainers.CustomizeRequestOption {
	if name == "" {
		return func(*testcontainers.GenericContainerRequest) error { return nil }
	}
	return testcontainers.WithName(containerName(name + "-" + role))
}

// startAgent starts an agent for o's specimen (preset names it in its
// labels; empty for an agent of a pool, which serves many) and waits until
// it holds the namespaces.
func startAgent(ctx context.Context, o Options, preset string) (*testcontainers.DockerContainer, error) {
	return start(ctx, catalogue.Image(catalogue.AgentTarget), quiet,
		testcontainers.WithCmd(protocol.CommandAgent),
		named(o.Name, "agent"),
		testcontainers.WithLabels(labels(o.RunID, "agent", preset)),
		testcontainers.WithConfigModifier(func(c *container.Config) { c.User = "0:0" }),
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			agentHost(hc)
			hc.Resources.CpusetCpus = o.AgentCPUs
		}),
		testcontainers.WithWaitStrategy(wait.ForLog(protocol.Ready).WithStartupTimeout(o.StartTimeout).WithPollInterval(logPoll)),
	)
}

// logPoll is how often a start reads the container's log for the line it
// waits for: the agent and the specimens print it within milliseconds, and
// testcontainers' default (100 ms) would add up to that to every start of
// every trial.
const logPoll = 10 * time.Millisecond

// createTimeout bounds a container's creation, which an interrupt does not
// cut short (see start).
const createTimeout = 2 * time.Minute

// start creates a container, then starts it and waits for its strategy.
// Only the start heeds ctx. The engine finishes a creation whose request
// was abandoned, and the container it makes then has an ID no one holds
// and, for a moment, a place in the engine's list that removal cannot yet
// reach: an interrupt at that moment left a container behind. Waiting out
// the creation (a fraction of a second) returns its ID, so Terminate
// removes what was made.
func start(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*testcontainers.DockerContainer, error) {
	req := testcontainers.GenericContainerRequest{ContainerRequest: testcontainers.ContainerRequest{Image: img}}
	for _, opt := range opts {
		if err := opt.Customize(&req); err != nil {
			return nil, fmt.Errorf("customize: %w", err)
		}
	}
	req.Started = false
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), createTimeout)
	defer cancel()
	created, err := testcontainers.GenericContainer(cctx, req)
	var c *testcontainers.DockerContainer
	if created != nil {
		c = created.(*testcontainers.DockerContainer)
	}
	if err != nil {
		return c, fmt.Errorf("create container: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return c, err
	}
	if err := c.Start(ctx); err != nil {
		return c, fmt.Errorf("start container: %w", err)
	}
	return c, nil
}

// explain says what to do about the engine's refusals a user can fix: a
// name taken (by a container an interrupted run left) reads as one line
// with the fix, not the engine's paragraph.
func explain(err error) error {
	if err != nil && strings.Contains(err.Error(), "is already in use by container") {
		return fmt.Errorf("a container of that name exists already, from a run that was killed? (lab cleanup removes the lab's leftovers): %w", errdefs.ErrConflict)
	}
	return err
}

// containerName makes s a valid container name: [a-zA-Z0-9][a-zA-Z0-9_.-]*,
// every other character a '-'.
func containerName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || (i > 0 && (c == '_' || c == '.' || c == '-'))
		if !ok {
			b[i] = '-'
		}
	}
	return string(b)
}

// UIDOffset separates the UIDs the harness runs specimens under from the
// presets' own, which the compose playground uses.
const UIDOffset = 10000

// specimenHost pins the limits and the hardening on a specimen.
func specimenHost(hc *container.HostConfig, l catalogue.Limits) {
	pids := l.Pids
	hc.Resources.Ulimits = []*container.Ulimit{
		{Name: "nofile", Soft: l.NoFile, Hard: l.NoFile},
		{Name: "nproc", Soft: l.NProc, Hard: l.NProc},
	}
	hc.Resources.PidsLimit = &pids
	hc.Resources.NanoCPUs = int64(l.CPUs * 1e9)
	hc.Resources.Memory = l.Memory
	hc.Resources.MemorySwap = l.Memory // no swap: memory is the limit
	hc.ReadonlyRootfs = true
	hc.CapDrop = []string{"ALL"}
	hc.SecurityOpt = []string{"no-new-privileges"}
}

// agentCaps are the capabilities an agent needs to read another UID's
// /proc entries: /proc/<pid>/fd is a directory only its owner may search
// (CAP_DAC_READ_SEARCH), and the kernel lets only a would-be tracer read
// it, or look through /proc/<pid>/root at the specimen's cgroup files
// (CAP_SYS_PTRACE).
var agentCaps = []string{"DAC_READ_SEARCH", "SYS_PTRACE"}

// agentHost gives the agent loopback only (nothing it runs can reach past
// this machine), the two capabilities it needs to count another UID's
// descriptors (agentCaps), and CAP_KILL: between two trials it ends the
// specimen, whose processes run under another UID (agent.Settle), which
// no container stop has to wait for then.
func agentHost(hc *container.HostConfig) {
	pids := int64(512)
	lockDown(hc)
	hc.CapAdd = append(slices.Clone(agentCaps), "KILL")
	hc.Resources.Ulimits = []*container.Ulimit{{Name: "nofile", Soft: AgentNoFile, Hard: AgentNoFile}}
	hc.Resources.PidsLimit = &pids
	hc.Resources.Memory = 512 << 20
}

// lockDown gives a container of the lab's binary (an agent, lab ps's
// watcher) what it needs and nothing more: no network but loopback, a
// read-only root, every capability dropped but agentCaps, no setuid gain.
func lockDown(hc *container.HostConfig) {
	hc.NetworkMode = "none"
	hc.ReadonlyRootfs = true
	hc.CapDrop = []string{"ALL"}
	hc.CapAdd = agentCaps
	hc.SecurityOpt = []string{"no-new-privileges"}
}

// Logs returns the specimen's log lines so far.
func (l *Lab) Logs(ctx context.Context) ([]string, error) {
	if l.Container == nil {
		return nil, errors.New("read logs: no specimen")
	}
	rc, err := l.Container.Logs(ctx)
	if err != nil {
		return nil, fmt.Errorf("read logs of %s: %w", l.Preset.Name, err)
	}
	defer rc.Close()
	var lines []string
	sc := bufio.NewScanner(rc)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	return lines, sc.Err()
}

// State reports whether the specimen still runs, and how it ended, as the
// record keeps it.
func (l *Lab) State(ctx context.Context) (experiment.Exit, error) {
	if l.Container == nil {
		return experiment.Exit{}, errors.New("state: no specimen")
	}
	st, err := l.Container.State(ctx)
	if err != nil {
		return experiment.Exit{}, fmt.Errorf("inspect %s: %w", l.Preset.Name, err)
	}
	e := experiment.Exit{Running: st.Running, ExitCode: st.ExitCode, OOM: st.OOMKilled}
	if t, err := time.Parse(time.RFC3339Nano, st.FinishedAt); err == nil && !st.Running {
		e.Finished = t
	}
	return e, nil
}

// Terminate kills and removes the specimen and the agent, both at once. It
// is safe on a partial Lab. Nothing is left to see by then (a trial reads
// the exit state and the logs first), so neither gets a grace period: a
// SIGTERM first only waited, up to the stop timeout, for servers that drain
// their clients (gunicorn's graceful shutdown waits for its workers).
// Killing the agent, PID 1 of the namespace the specimen runs in, kills the
// specimen's processes too, so the order does not matter.
//
// An agent lent by a pool (WithAgents) goes back to it instead: the agent
// ends the specimen as it empties its namespace, and the specimen's
// container is left to the pool to remove while the next trial starts (see
// Agents.Quiet).
func (l *Lab) Terminate(ctx context.Context) error {
	if l.agents != nil {
		return l.giveBack(ctx)
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, c := range []*testcontainers.DockerContainer{l.Container, l.Agent} {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := remove(ctx, c); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// giveBack ends a specimen that ran beside a pool's agent: the agent goes
// back to the pool, which empties its namespace (the specimen's processes
// with the rest: agent.Settle) and keeps it, and the specimen's container,
// stopped by then, is left to the pool to remove. After it, the Lab holds
// neither: a second call does nothing.
func (l *Lab) giveBack(ctx context.Context) error {
	if l.Agent != nil {
		l.agents.give(ctx, l.Agent, l.Container != nil)
	}
	if l.Container != nil {
		l.agents.removeLater(l.Container)
	}
	l.Agent, l.Container = nil, nil
	return nil
}

// remove kills and removes c, with no grace period.
func remove(ctx context.Context, c *testcontainers.DockerContainer) error {
	return c.Terminate(ctx, testcontainers.StopTimeout(0))
}

// Present fails with what to do when an image is missing: testcontainers
// would otherwise try to pull serverlab/* from a public registry, which
// offline hangs and online fetches images the lab does not control.
func Present(ctx context.Context, images ...string) error {
	cli, err := DockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	for _, img := range images {
		if _, err := cli.ImageInspect(ctx, img); err != nil {
			return fmt.Errorf("find image %s: %w (build it: lab build)", img, err)
		}
	}
	return nil
}
