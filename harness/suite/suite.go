// Package suite runs a selection of experiments into a folder of records,
// once or N times in a row, and draws what a folder holds: each record
// written as its experiment ends, REPORT.md and index.html from the
// records on disk, and for repeated runs how they agree (stability.json,
// STABILITY.md). It is the loop around package trial; the command line
// only parses flags, shows progress (an Observer) and prints the summary.
package suite

import (
	"fmt"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// Select returns the named experiments (all of the suite when none is
// named); with presets, only those that have an arm for one of them.
// Every experiment chosen is validated before the first starts a
// container: a check that reads a step its arm does not take fails here,
// not after the experiments before it have run.
func Select(names, presets []string) ([]experiment.Experiment, error) {
	exps := experiment.Suite()
	if len(names) > 0 {
		exps = nil
		for _, n := range names {
			e, err := experiment.Lookup(n)
			if err != nil {
				return nil, err
			}
			exps = append(exps, e)
		}
	}
	for _, e := range exps {
		if err := e.Validate(); err != nil {
			return nil, err
		}
	}
	if len(presets) == 0 {
		return exps, nil
	}
	var out []experiment.Experiment
	for _, e := range exps {
		if _, err := experiment.Select(e, presets); err == nil {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no experiment has an arm for %s", strings.Join(presets, ", "))
	}
	return out, nil
}

// Status is an error when an experiment could not run (failed), a trial
// failed, or, when strict, a prediction was not reproduced.
func Status(recs []experiment.Record, failed []string, strict bool) error {
	for _, r := range recs {
		for _, t := range r.Trials {
			if t.Error != "" {
				failed = append(failed, fmt.Sprintf("%s arm %s trial %d: %s", r.Experiment.Name, t.Arm, t.Trial, t.Error))
			}
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not run: %s", strings.Join(failed, "; "))
	}
	if strict {
		var not []string
		for _, r := range recs {
			if r.Verdict.Outcome != experiment.Reproduced {
				not = append(not, fmt.Sprintf("%s %s", r.Experiment.Name, r.Verdict.Outcome))
			}
		}
		if len(not) > 0 {
			return fmt.Errorf("--strict: %s", strings.Join(not, ", "))
		}
	}
	return nil
}
