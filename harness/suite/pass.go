package suite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
	"github.com/serverlab/serverlab/harness/trial"
)

// Observer is told how a pass goes, as it goes: the command line's live
// status implements it. Its methods are called from the pass's goroutine,
// one at a time.
type Observer interface {
	Repeat(k, n int, dir string)            // run k of n begins, into dir
	Begin(i, total int, name string)        // experiment i (from 0) of total begins
	Progress(trial.Progress)                // a trial began or ended
	End(rec experiment.Record, path string) // an experiment's record is written at path
	Skipped(rec experiment.Record)          // kept from an earlier run (Resume)
	Failed(name string, err error)          // an experiment could not run
	Interrupted(name string)                // the context ended during it
	Warn(msg string)                        // what the user should know: a file that is no record, skipped
}

// Pass is one run of the selected experiments into one records folder:
// what `lab run` does once, and --repeat N times.
type Pass struct {
	Experiments []experiment.Experiment
	Environment experiment.Environment
	Options     trial.Options // its Progress is the Observer's
	Reference   string        // records to draw the folder's REPORT.md beside ("": none)
	Resume      bool          // keep the complete records already in the folder
	// Trial runs one experiment: trial.Run, or a stand-in in tests.
	Trial    func(context.Context, experiment.Experiment, experiment.Environment, trial.Options) (experiment.Record, error)
	Observer Observer
}

// agentsClose bounds the removal of a pass's agents at its end.
const agentsClose = 30 * time.Second

// Run runs every experiment of p once into out, writing each record as it
// ends, then REPORT.md and index.html. It returns the records and the
// experiments that could not run. An interrupt stops it after the
// experiment under way: the report is drawn from those that finished, and
// the error says where they are.
func (p Pass) Run(ctx context.Context, out string) ([]experiment.Record, []string, error) {
	done := map[string]experiment.Record{}
	if p.Resume {
		have, _, _ := report.Read(out) // none yet: nothing to skip
		for _, r := range have {
			if !r.Partial() {
				done[r.Experiment.Name] = r
			}
		}
	}
	obs := p.observer()
	opts := p.Options
	opts.Progress = obs.Progress
	if opts.Agents == nil {
		// One pool of agents for the whole pass: an experiment's first
		// trial need not start one.
		opts.Agents = trial.NewAgents(opts.RunID)
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), agentsClose)
			defer cancel()
			_ = opts.Agents.Close(cctx)
		}()
	}
	var recs []experiment.Record
	var failed []string
	for i, e := range p.Experiments {
		obs.Begin(i, len(p.Experiments), e.Name)
		if r, ok := done[e.Name]; ok && len(opts.Presets) == 0 {
			obs.Skipped(r)
			recs = append(recs, r)
			continue
		}
		rec, err := p.Trial(ctx, e, p.Environment, opts)
		if ctx.Err() != nil {
			obs.Interrupted(e.Name)
			if _, err := Draw(out, p.Reference, obs); err != nil && !errors.Is(err, report.ErrNoRecords) {
				return recs, failed, err
			}
			return recs, failed, fmt.Errorf("interrupted during %s: the %d finished experiments are in %s", e.Name, len(recs), out)
		}
		if err != nil {
			obs.Failed(e.Name, err)
			failed = append(failed, fmt.Sprintf("%s: %v", e.Name, err))
			continue
		}
		path, err := report.Write(out, rec)
		if err != nil {
			return recs, failed, err
		}
		recs = append(recs, rec)
		obs.End(rec, path)
	}
	if _, err := Draw(out, p.Reference, obs); err != nil && !errors.Is(err, report.ErrNoRecords) {
		return recs, failed, err
	}
	return recs, failed, nil
}

func (p Pass) observer() Observer {
	if p.Observer == nil {
		return Discard
	}
	return p.Observer
}

// Discard is an Observer that shows nothing.
var Discard Observer = discard{}

type discard struct{}

func (discard) Repeat(int, int, string)       {}
func (discard) Begin(int, int, string)        {}
func (discard) Progress(trial.Progress)       {}
func (discard) End(experiment.Record, string) {}
func (discard) Skipped(experiment.Record)     {}
func (discard) Failed(string, error)          {}
func (discard) Interrupted(string)            {}
func (discard) Warn(string)                   {}

// warnSkipped tells obs of each file of a records folder that is no record.
func warnSkipped(obs Observer, skipped []report.Skipped) {
	for _, s := range skipped {
		obs.Warn(fmt.Sprintf("skipped %s: %s", s.Path, s.Reason))
	}
}
