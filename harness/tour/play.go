package tour

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
	"github.com/serverlab/serverlab/harness/suite"
)

// Seen is what the lab saw of one step: a record of each of its runs, and
// where they come from.
type Seen struct {
	Step    Step
	Records []experiment.Record
	// Source says where the records are: the folder a run of the step
	// wrote, or the run of the whole suite they were taken from.
	Source string
	// Missing names the runs no record was found for (a step not run yet).
	Missing []string
}

// Verdict is the step's: not reproduced if a run's was, else inconclusive
// if a run's was or a run has no record, else reproduced.
func (s Seen) Verdict() experiment.Outcome {
	out := experiment.Reproduced
	if len(s.Missing) > 0 || len(s.Records) == 0 {
		out = experiment.Inconclusive
	}
	for _, r := range s.Records {
		switch r.Verdict.Outcome {
		case experiment.NotReproduced:
			return experiment.NotReproduced
		case experiment.Inconclusive:
			out = experiment.Inconclusive
		}
	}
	return out
}

// Play runs the tour's steps: each run of a step is a pass of package suite
// over one experiment with the step's presets, into Out/<step>/ (its
// records, REPORT.md and index.html).
type Play struct {
	Pass suite.Pass // Experiments and Options.Presets are set per run
	Out  string
}

// Run runs every run of step s and returns what they saw.
func (p Play) Run(ctx context.Context, s Step) (Seen, error) {
	exps, err := s.Experiments()
	if err != nil {
		return Seen{}, err
	}
	dir := filepath.Join(p.Out, s.ID)
	// A step run again replaces what it saw before, whole.
	if err := os.RemoveAll(dir); err != nil {
		return Seen{}, err
	}
	seen := Seen{Step: s, Source: dir}
	for i, r := range s.Runs {
		pass := p.Pass
		pass.Experiments = []experiment.Experiment{exps[i]}
		pass.Options.Presets = r.Presets
		pass.Resume = false
		recs, failed, err := pass.Run(ctx, dir)
		if err != nil {
			return seen, err
		}
		if len(failed) > 0 {
			return seen, fmt.Errorf("step %s: %s", s.ID, failed[0])
		}
		seen.Records = append(seen.Records, recs...)
	}
	return seen, nil
}

// Recorded is what the lab saw of step s in an earlier run: the step's own
// folder under out when `lab tour --run` wrote one, else the records of a
// whole run of the suite in suiteDir (results/reference/, say), each cut to
// the step's arms and judged again (Restrict).
func Recorded(s Step, out, suiteDir string) (Seen, error) {
	if _, err := s.Experiments(); err != nil {
		return Seen{}, err
	}
	dir := filepath.Join(out, s.ID)
	if seen, ok := recordedIn(s, dir, false); ok {
		return seen, nil
	}
	if suiteDir == "" {
		return Seen{Step: s, Missing: runNames(s)}, nil
	}
	seen, _ := recordedIn(s, suiteDir, true)
	return seen, nil
}

// recordedIn reads s's runs from dir; ok when every run has a record there.
// With whole, dir holds whole runs of experiments, cut to the step's arms;
// else the step's own partial records, as Play.Run wrote them.
func recordedIn(s Step, dir string, whole bool) (Seen, bool) {
	seen := Seen{Step: s, Source: dir}
	for _, run := range s.Runs {
		want := experiment.Record{Experiment: experiment.Experiment{Name: run.Experiment}}
		if !whole {
			want.Presets = run.Presets
		}
		r, err := report.ReadFile(report.Path(dir, want))
		if err == nil && whole {
			r, err = Restrict(r, run.Presets)
		}
		if err != nil {
			seen.Missing = append(seen.Missing, run.Experiment)
			continue
		}
		seen.Records = append(seen.Records, r)
	}
	return seen, len(seen.Missing) == 0
}

// Restrict cuts a record to the arms of presets and judges it again: the
// checks of those arms, over their trials, on the record's machine.
func Restrict(r experiment.Record, presets []string) (experiment.Record, error) {
	e, err := selectEvery(r.Experiment, presets)
	if err != nil {
		return r, err
	}
	arms := map[string]bool{}
	for _, a := range e.Arms {
		arms[a.Name] = true
	}
	var trials []experiment.Trial
	for _, t := range r.Trials {
		if arms[t.Arm] {
			trials = append(trials, t)
		}
	}
	r.Experiment, r.Trials, r.Presets = e, trials, presets
	r.Checks, r.Verdict = experiment.JudgeOn(e, trials, r.Environment)
	return r, nil
}

func runNames(s Step) []string {
	var names []string
	for _, r := range s.Runs {
		names = append(names, r.Experiment)
	}
	return names
}
