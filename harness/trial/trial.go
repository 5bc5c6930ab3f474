package trial

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/corpus"
	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/load"
	"github.com/serverlab/serverlab/harness/protocol"
	"github.com/serverlab/serverlab/harness/runner"
)

// The CPUs a pinned arm's specimen and agent run on.
const (
	SpecimenCPU = runner.SpecimenCPU
	AgentCPU    = runner.AgentCPU
)

// sampleBound bounds the agent's sampler: no trial runs longer.
const sampleBound = 15 * time.Minute

// cleanupTimeout bounds the teardown that runs with a fresh context, after
// the trial's own may have ended.
const cleanupTimeout = 30 * time.Second

// trial is one arm's specimen while it runs.
type trial struct {
	arm   experiment.Arm
	p     catalogue.Preset
	every time.Duration
	// sockets has the sampler count the port's sockets too.
	sockets bool
	name    string // the containers' name, less the role
	opts    []runner.Option
	lab     *runner.Lab
	start   time.Time
	// measured is how long the arm's steps took, from the specimen
	// listening to the last step's end: the rest of the trial is overhead.
	measured time.Duration

	mu  sync.Mutex // guards rec's Steps and Samples, which goroutines add to
	rec *experiment.Trial

	// quiet, when set, waits until no container of an earlier trial is
	// being removed: begin calls it before the steps measure anything.
	quiet func()

	stopSampler func()         // ends the current sampler and waits for it
	background  sync.WaitGroup // background steps
	bgErrs      []error        // their errors, under mu
}

// runTrial runs one trial of arm. Its record is complete only once the
// containers are gone and the sampler has stopped, so it is handed out from
// the deferred teardown: a value returned before would miss what that adds
// (the elapsed time of every record stayed 0 that way).
// Its specimen runs beside an agent of agents, or one of its own when
// agents is nil.
func runTrial(ctx context.Context, e experiment.Experiment, arm experiment.Arm, n int, runID string, agents *runner.Agents) (out experiment.Trial) {
	rec := experiment.Trial{Arm: arm.Name, Trial: n, Preset: arm.Preset}
	p, err := catalogue.LookupPreset(arm.Preset)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	// Names say run, experiment, arm, trial (and the runner adds the role),
	// so that docker ps explains itself.
	tr := &trial{arm: arm, p: p, rec: &rec, start: time.Now(), every: e.SampleEvery, sockets: e.SampleSockets,
		name: fmt.Sprintf("%s-%s-%s-t%d", runID, e.Name, arm.Name, n)}
	if tr.every <= 0 {
		tr.every = agent.DefaultSampleEvery
	}
	defer func() {
		tr.teardown()
		rec.Elapsed = time.Since(tr.start)
		rec.Overhead = rec.Elapsed - tr.measured
		out = rec
	}()
	tr.opts = []runner.Option{runner.WithRunID(runID), runner.WithName(tr.name), runner.WithStartTimeout(startTimeout(os.Getenv(EnvAccel)))}
	if agents != nil {
		tr.opts = append(tr.opts, runner.WithAgents(agents))
		// Parallel trials are not about timing: they need not wait.
		if e.Parallel <= 1 {
			tr.quiet = agents.Quiet
		}
	}
	if arm.Args != nil {
		tr.opts = append(tr.opts, runner.WithArgs(arm.Args...))
	}
	if arm.Wire != "" {
		tr.opts = append(tr.opts, runner.WithWire(arm.Wire))
	}
	if arm.Limits != nil {
		tr.opts = append(tr.opts, runner.WithLimits(*arm.Limits))
	}
	if arm.Pin {
		tr.opts = append(tr.opts, runner.WithCPUs(SpecimenCPU, AgentCPU))
	}
	if err := tr.begin(ctx); err != nil {
		rec.Error = err.Error()
		return
	}
	measuring := time.Now()
	for _, s := range arm.Steps {
		if err := tr.step(ctx, s); err != nil {
			rec.Error = fmt.Sprintf("step %s: %v", s.Label, err)
			break
		}
	}
	if err := tr.await(); err != nil && rec.Error == "" {
		rec.Error = err.Error()
	}
	tr.measured = time.Since(measuring)
	tr.end(ctx)
	return
}

// teardown stops the sampler and removes the containers, with a fresh
// context: the trial's may be done, and cleanup must run.
func (tr *trial) teardown() {
	tr.background.Wait()
	if tr.stopSampler != nil {
		tr.stopSampler()
	}
	if tr.lab != nil {
		cctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		_ = tr.lab.Terminate(cctx)
	}
}

// begin starts the specimen, takes the start probe and starts sampling.
func (tr *trial) begin(ctx context.Context) error {
	if tr.lab != nil { // a revival: keep what the old instance saw
		tr.end(ctx)
		tr.rec.Previous = append(tr.rec.Previous, experiment.Instance{Start: tr.rec.Start, Exit: tr.rec.Exit, Logs: tr.rec.Logs})
		tr.rec.Start, tr.rec.Exit, tr.rec.Logs = nil, experiment.Exit{}, nil
		tr.stopSampler()
		cctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		_ = tr.lab.Terminate(cctx)
		cancel()
		// The revived pair needs names of its own: the old ones may not
		// be free yet.
		tr.opts = append(tr.opts, runner.WithName(fmt.Sprintf("%s-r%d", tr.name, len(tr.rec.Previous))))
	}
	lab, err := runner.Run(ctx, tr.p, tr.opts...)
	tr.lab = lab
	if lab != nil {
		tr.rec.Args, tr.rec.Wire, tr.rec.Limits, tr.rec.Comm = lab.Args, lab.Wire, lab.Limits, lab.Specimen.Comm
		tr.rec.Seccomp = lab.Specimen.Seccomp
		if len(tr.rec.Previous) == 0 {
			tr.rec.AgentServed = lab.AgentServed
		}
	}
	if err != nil {
		return err
	}
	snap, err := tr.sample(ctx)
	if err != nil {
		return fmt.Errorf("start probe: %w", err)
	}
	tr.rec.Start = &snap
	if tr.quiet != nil {
		tr.quiet()
	}
	return nil
}

// sample runs the agent's sampler until stopSampler is called.
func (tr *trial) sample(ctx context.Context) (agent.Snapshot, error) {
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	started := make(chan agent.Snapshot, 1)
	var err error // the sampler's, read once done is closed
	lab := tr.lab
	go func() {
		defer close(done)
		// The sampler ends with its context or its container; what it
		// saw until then is all a trial needs.
		err = protocol.Sample(sctx, lab, lab.Specimen.Comm, tr.sockets, tr.every, sampleBound,
			func(s agent.Snapshot) { started <- s },
			func(s agent.Sample) {
				tr.mu.Lock()
				tr.rec.Samples = append(tr.rec.Samples, s)
				tr.mu.Unlock()
			})
	}()
	tr.stopSampler = func() {
		cancel()
		<-done
	}
	select {
	case snap := <-started:
		return snap, nil
	case <-done:
		if err == nil {
			err = errors.New("the sampler ended before its first snapshot")
		}
		return agent.Snapshot{}, err
	}
}

func (tr *trial) step(ctx context.Context, s experiment.Step) error {
	if s.Background {
		tr.background.Add(1)
		go func() {
			defer tr.background.Done()
			if err := tr.take(ctx, s); err != nil {
				tr.mu.Lock()
				tr.bgErrs = append(tr.bgErrs, fmt.Errorf("step %s: %w", s.Label, err))
				tr.mu.Unlock()
			}
		}()
		return nil
	}
	if s.Kind == experiment.StepAwait {
		return tr.await()
	}
	return tr.take(ctx, s)
}

// await waits for the background steps and returns their errors.
func (tr *trial) await() error {
	tr.background.Wait()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	err := errors.Join(tr.bgErrs...)
	tr.bgErrs = nil
	return err
}

// take runs one step and records what it saw.
func (tr *trial) take(ctx context.Context, s experiment.Step) error {
	obs := experiment.Observation{Label: s.Label, Kind: s.Kind, At: time.Since(tr.start)}
	switch s.Kind {
	case experiment.StepWait:
		select {
		case <-time.After(s.Wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	case experiment.StepProbe:
		snap, err := protocol.Probe(ctx, tr.lab, s.Sockets)
		if err != nil {
			return err
		}
		obs.Probe = &snap
	case experiment.StepHostile:
		var rs []corpus.Result
		if err := protocol.Hostile(ctx, tr.lab, s.Wait, func(r corpus.Result) { rs = append(rs, r) }); err != nil {
			return err
		}
		obs.Hostile = rs
	case experiment.StepLoad:
		run, err := tr.load(ctx, s.Load)
		if err != nil {
			return err
		}
		obs.Load = run
	case experiment.StepClient:
		if s.Client.Summary {
			sum, err := protocol.ClientSummary(ctx, tr.lab, clientOptions(s.Client))
			if err != nil {
				return err
			}
			obs.Summary = &sum
			break
		}
		rs, err := tr.client(ctx, s.Client)
		if err != nil {
			return err
		}
		obs.Clients = rs
	default:
		return fmt.Errorf("unknown step kind %q", s.Kind)
	}
	tr.mu.Lock()
	tr.rec.Steps = append(tr.rec.Steps, obs)
	tr.mu.Unlock()
	return nil
}

// client runs the step's clients; with Revive, a specimen found dead is
// started again (and the clients rerun once if it died under them).
func (tr *trial) client(ctx context.Context, c *experiment.ClientStep) ([]client.Result, error) {
	o := clientOptions(c)
	for attempt := 0; ; attempt++ {
		if c.Revive {
			if st, err := tr.lab.State(ctx); err == nil && !st.Running {
				if err := tr.begin(ctx); err != nil {
					return nil, fmt.Errorf("revive: %w", err)
				}
			}
		}
		rs, err := protocol.Client(ctx, tr.lab, o)
		if err != nil || !c.Revive || attempt > 0 || replied(rs) {
			return rs, err
		}
		if st, err := tr.lab.State(ctx); err != nil || st.Running {
			return rs, err
		}
	}
}

// load runs a load step, with a sample of the specimen just before and
// just after it: what it spent over exactly that run.
func (tr *trial) load(ctx context.Context, l *experiment.LoadStep) (*experiment.LoadRun, error) {
	opts := []load.Option{
		load.WithConnections(l.Connections),
		load.WithDuration(l.Duration),
		load.WithKeepAlive(l.KeepAlive),
	}
	if l.Timeout > 0 {
		opts = append(opts, load.WithTimeout(l.Timeout))
	}
	rate := float64(l.Rate)
	if l.RateOf != "" {
		capacity, err := tr.capacity(l.RateOf)
		if err != nil {
			return nil, err
		}
		rate = l.Fraction * capacity
	}
	if rate > 0 {
		opts = append(opts, load.WithRate(rate))
	}
	path := l.Path
	if path == "" {
		path = client.DefaultPath
	}
	a, err := protocol.LoadAround(ctx, tr.lab, tr.lab.Specimen.Comm, path, l.Trace, opts...)
	if err != nil {
		return nil, err
	}
	return &experiment.LoadRun{Result: a.Result, Before: &a.Before, After: &a.After, Syscalls: a.Syscalls}, nil
}

// capacity is the requests per second the load step labelled label
// measured earlier in this trial.
func (tr *trial) capacity(label string) (float64, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, o := range tr.rec.Steps {
		if o.Label == label && o.Load != nil {
			if o.Load.Result.RPS <= 0 {
				return 0, fmt.Errorf("step %s measured no capacity", label)
			}
			return o.Load.Result.RPS, nil
		}
	}
	return 0, fmt.Errorf("no load step %q before this one", label)
}

// clientOptions are the client's options for a client step.
func clientOptions(c *experiment.ClientStep) client.Options {
	o := client.NewOptions(
		client.WithClients(c.Clients, c.Conns),
		client.WithTimeout(c.Timeout),
		client.WithRamp(c.Ramp),
		client.WithHold(c.Hold),
		client.WithEvery(c.Every),
	)
	if c.Path != "" {
		o.Path = c.Path
	}
	if c.Raw != "" {
		o.Request = []byte(c.Raw)
	}
	return o
}

func replied(rs []client.Result) bool {
	for _, r := range rs {
		if r.Outcome != client.Replied && r.Outcome != client.NoEOF {
			return false
		}
	}
	return len(rs) > 0
}

// end reads the specimen's state and logs.
func (tr *trial) end(ctx context.Context) {
	if tr.lab == nil || tr.lab.Container == nil {
		return
	}
	if st, err := tr.lab.State(ctx); err == nil {
		tr.rec.Exit = st
	}
	if logs, err := tr.lab.Logs(ctx); err == nil {
		tr.rec.Logs = logs
	}
}
