package experiment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/runner"
)

// Options change how an experiment runs, not what it predicts.
type Options struct {
	RunID  string // labels the containers, for runner.Cleanup
	Trials int    // replaces the experiment's trials when > 0
	// Presets, when set, keeps only the arms of these presets.
	Presets []string
	// Progress hears of every trial as it starts and ends.
	Progress func(Progress)
}

// Progress is one trial's news.
type Progress struct {
	Experiment string
	Arm        string
	Trial      int
	Done       int   // trials finished so far
	Total      int   // trials in all
	Ended      bool  // false as the trial starts, true once it has ended
	Err        error // set when the trial ended in an error
}

// Select returns e with only the arms of the given presets, and the checks on
// them; it errors if none is left.
func Select(e Experiment, presets []string) (Experiment, error) {
	if len(presets) == 0 {
		return e, nil
	}
	keep := map[string]bool{}
	for _, p := range presets {
		keep[p] = true
	}
	arms, checks := e.Arms[:0:0], e.Checks[:0:0]
	names := map[string]bool{}
	for _, a := range e.Arms {
		if keep[a.Preset] {
			arms = append(arms, a)
			names[a.Name] = true
		}
	}
	for _, c := range e.Checks {
		if names[c.Arm] {
			checks = append(checks, c)
		}
	}
	if len(arms) == 0 {
		return e, fmt.Errorf("experiment %s has no arm for %v", e.Name, presets)
	}
	e.Arms, e.Checks = arms, checks
	return e, nil
}

// Run runs every trial of every arm, one at a time (the lessons are about
// limits and timing, which parallel trials would blur), judges them and
// returns the record. A trial that fails is recorded with its error and makes
// the verdict inconclusive; Run itself errors only when ctx ends or the
// experiment is invalid, and then returns the partial record.
func Run(ctx context.Context, e Experiment, env Environment, o Options) (Record, error) {
	if o.Trials > 0 {
		e.Trials = o.Trials
	}
	var err error
	if e, err = Select(e, o.Presets); err != nil {
		return Record{}, err
	}
	if err := e.Validate(); err != nil {
		return Record{}, err
	}
	rec := Record{Experiment: e, Environment: env, Started: time.Now().UTC()}
	total := e.Trials * len(e.Arms)
	for n := 1; n <= e.Trials; n++ {
		for _, arm := range e.Arms {
			if o.Progress != nil {
				o.Progress(Progress{Experiment: e.Name, Arm: arm.Name, Trial: n, Done: len(rec.Trials), Total: total})
			}
			t := runTrial(ctx, arm, n, o.RunID)
			rec.Trials = append(rec.Trials, t)
			if o.Progress != nil {
				p := Progress{Experiment: e.Name, Arm: arm.Name, Trial: n, Done: len(rec.Trials), Total: total, Ended: true}
				if t.Error != "" {
					p.Err = errors.New(t.Error)
				}
				o.Progress(p)
			}
			if ctx.Err() != nil {
				rec.Finished = time.Now().UTC()
				return rec, ctx.Err()
			}
		}
	}
	rec.Checks, rec.Verdict = Judge(e, rec.Trials)
	rec.Finished = time.Now().UTC()
	return rec, nil
}

// trial is one arm's specimen while it runs.
type trial struct {
	arm   Arm
	p     catalogue.Preset
	opts  []runner.Option
	lab   *runner.Lab
	rec   *Trial
	start time.Time
}

func runTrial(ctx context.Context, arm Arm, n int, runID string) Trial {
	rec := Trial{Arm: arm.Name, Trial: n, Preset: arm.Preset}
	p, err := catalogue.LookupPreset(arm.Preset)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	tr := &trial{arm: arm, p: p, rec: &rec, start: time.Now(), opts: []runner.Option{runner.WithRunID(runID)}}
	if arm.Args != nil {
		tr.opts = append(tr.opts, runner.WithArgs(arm.Args...))
	}
	if arm.Limits != nil {
		tr.opts = append(tr.opts, runner.WithLimits(*arm.Limits))
	}
	defer func() {
		rec.Elapsed = time.Since(tr.start)
		if tr.lab != nil {
			// A fresh context: the trial's may be done, and cleanup must run.
			cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = tr.lab.Terminate(cctx)
		}
	}()
	if err := tr.begin(ctx); err != nil {
		rec.Error = err.Error()
		return rec
	}
	for _, s := range arm.Steps {
		if err := tr.step(ctx, s); err != nil {
			rec.Error = fmt.Sprintf("step %s: %v", s.Label, err)
			break
		}
	}
	tr.end(ctx)
	return rec
}

// begin starts the specimen and takes the start probe.
func (tr *trial) begin(ctx context.Context) error {
	if tr.lab != nil { // a revival: keep what the old instance saw
		tr.end(ctx)
		tr.rec.Previous = append(tr.rec.Previous, Instance{Start: tr.rec.Start, Exit: tr.rec.Exit, Logs: tr.rec.Logs})
		tr.rec.Start, tr.rec.Exit, tr.rec.Logs = nil, runner.Exit{}, nil
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = tr.lab.Terminate(cctx)
		cancel()
	}
	lab, err := runner.Run(ctx, tr.p, tr.opts...)
	tr.lab = lab
	if lab != nil {
		tr.rec.Args, tr.rec.Limits = lab.Args, lab.Limits
	}
	if err != nil {
		return err
	}
	tr.rec.Comm = tr.p.Specimen
	snap, err := lab.Probe(ctx)
	if err != nil {
		return fmt.Errorf("start probe: %w", err)
	}
	tr.rec.Start = &snap
	return nil
}

func (tr *trial) step(ctx context.Context, s Step) error {
	obs := Observation{Label: s.Label, Kind: s.Kind, At: time.Since(tr.start)}
	switch s.Kind {
	case StepWait:
		select {
		case <-time.After(s.Wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	case StepProbe:
		snap, err := tr.lab.Probe(ctx)
		if err != nil {
			return err
		}
		obs.Probe = &snap
	case StepClient:
		rs, err := tr.client(ctx, s.Client)
		if err != nil {
			return err
		}
		obs.Clients = rs
	default:
		return fmt.Errorf("unknown step kind %q", s.Kind)
	}
	tr.rec.Steps = append(tr.rec.Steps, obs)
	return nil
}

// client runs the step's clients; with Revive, a specimen found dead is
// started again (and the clients rerun once if it died under them).
func (tr *trial) client(ctx context.Context, c *ClientStep) ([]client.Result, error) {
	o := client.NewOptions(
		client.WithClients(c.Clients, c.Conns),
		client.WithTimeout(c.Timeout),
		client.WithRamp(c.Ramp),
	)
	if c.Path != "" {
		o.Path = c.Path
	}
	if c.Raw != "" {
		o.Request = []byte(c.Raw)
	}
	for attempt := 0; ; attempt++ {
		if c.Revive {
			if st, err := tr.lab.State(ctx); err == nil && !st.Running {
				if err := tr.begin(ctx); err != nil {
					return nil, fmt.Errorf("revive: %w", err)
				}
			}
		}
		rs, err := tr.lab.Client(ctx, o)
		if err != nil || !c.Revive || attempt > 0 || replied(rs) {
			return rs, err
		}
		if st, err := tr.lab.State(ctx); err != nil || st.Running {
			return rs, err
		}
	}
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
	if tr.lab == nil || tr.lab.Specimen == nil {
		return
	}
	if st, err := tr.lab.State(ctx); err == nil {
		tr.rec.Exit = st
	}
	if logs, err := tr.lab.Logs(ctx); err == nil {
		tr.rec.Logs = logs
	}
}
