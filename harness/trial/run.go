// Package trial runs experiments: for every trial of every arm it starts the
// specimen beside its agent (package runner), takes the arm's steps, samples
// the specimen throughout, and records what it saw; then it has the
// experiment package judge the record. It is the one place where the lab's
// declarations meet containers and the clock.
package trial

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/runner"
)

// Options change how an experiment runs, not what it predicts.
type Options struct {
	RunID  string // labels and names the containers, for runner.Cleanup
	Trials int    // replaces the experiment's trials when > 0
	// Presets, when set, keeps only the arms of these presets: the record
	// is then partial, and says so.
	Presets []string
	// Progress hears of every trial as it starts and ends.
	Progress func(Progress)
	// Agents lends the agents the trials run beside, but those of an
	// experiment with FreshNamespace; nil makes a pool for this
	// experiment alone. A run's experiments share one (NewAgents).
	Agents *runner.Agents
}

// NewAgents makes the pool of agents that a run's trials borrow in turn
// (Options.Agents); its Close removes them.
func NewAgents(runID string) *runner.Agents { return runner.NewAgents(runID, runID) }

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

// Run runs every trial of every arm, one at a time (the lessons are about
// limits and timing, which parallel trials would blur) unless the
// experiment allows Parallel of them at once, judges them and returns the
// record. A trial that fails is recorded with its error and makes the
// verdict inconclusive; Run itself errors only when ctx ends or the
// experiment is invalid, and then returns the partial record.
func Run(ctx context.Context, e experiment.Experiment, env experiment.Environment, o Options) (experiment.Record, error) {
	if o.Trials < 0 {
		return experiment.Record{}, fmt.Errorf("trials %d: must not be negative", o.Trials)
	}
	if o.Trials > 0 {
		e.Trials = o.Trials
	}
	var err error
	if e, err = experiment.Select(e, o.Presets); err != nil {
		return experiment.Record{}, err
	}
	if err := e.Validate(); err != nil {
		return experiment.Record{}, err
	}
	rec := experiment.Record{Experiment: e, Environment: env, Started: time.Now().UTC(), Presets: o.Presets}
	type job struct {
		arm experiment.Arm
		n   int
	}
	var jobs []job
	for n := 1; n <= e.Trials; n++ {
		for _, arm := range e.Arms {
			jobs = append(jobs, job{arm, n})
		}
	}
	// Trials land in the record in the order they were declared, whatever
	// order they end in.
	trials := make([]experiment.Trial, len(jobs))
	ran := make([]bool, len(jobs))
	var mu sync.Mutex // guards done, ran and the Progress calls
	done := 0
	progress := func(p Progress) {
		if o.Progress != nil {
			p.Experiment, p.Done, p.Total = e.Name, done, len(jobs)
			o.Progress(p)
		}
	}
	// One pool of agents serves the trials in turn, unless each trial
	// needs namespaces of its own.
	agents := o.Agents
	if e.FreshNamespace {
		agents = nil
	} else if agents == nil {
		agents = runner.NewAgents(o.RunID, o.RunID+"-"+e.Name)
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
			defer cancel()
			_ = agents.Close(cctx)
		}()
	}
	slots := make(chan struct{}, max(e.Parallel, 1))
	var wg sync.WaitGroup
	for i, j := range jobs {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		mu.Lock()
		progress(Progress{Arm: j.arm.Name, Trial: j.n})
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			t := runTrial(ctx, e, j.arm, j.n, o.RunID, agents)
			mu.Lock()
			defer mu.Unlock()
			trials[i], ran[i] = t, true
			done++
			p := Progress{Arm: j.arm.Name, Trial: j.n, Ended: true}
			if t.Error != "" {
				p.Err = errors.New(t.Error)
			}
			progress(p)
		}()
	}
	wg.Wait()
	for i, t := range trials {
		if !ran[i] {
			continue
		}
		rec.Trials = append(rec.Trials, t)
		if rec.Environment.CPUModel == "" && t.Start != nil {
			rec.Environment.CPUModel = t.Start.CPUModel
		}
	}
	if ctx.Err() != nil {
		rec.Finished = time.Now().UTC()
		return rec, ctx.Err()
	}
	rec.Checks, rec.Verdict = experiment.JudgeOn(e, rec.Trials, rec.Environment)
	rec.Finished = time.Now().UTC()
	return rec, nil
}
