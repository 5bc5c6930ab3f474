package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/suite"
	"github.com/serverlab/serverlab/harness/tour"
	"github.com/serverlab/serverlab/harness/trial"
)

// runTour walks the article's steps (package tour): from STEP to the end,
// or only STEP; with --run it runs each step's arms, else it shows what an
// earlier run saw.
func runTour(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("tour")
	play := fs.Bool("run", false, "run each step's arms now (the specimens started and removed by the lab); "+
		"without it, show what an earlier lab tour --run, or the reference run, saw")
	only := fs.Bool("only", false, "the named step alone, not the steps after it")
	out := fs.String("out", "", "folder for the steps' records, one folder a step (default: tour/ in the results folder)")
	reference := fs.String("reference", referenceDir(), "without --run, the run of the whole suite to show a step from when the tour has not run it (\"\": none)")
	strict := fs.Bool("strict", false, "exit non-zero unless every step shown is reproduced")
	noBuild, builder, err := buildFlags(fs)
	if err != nil {
		return err
	}
	list := fs.Bool("list", false, "list the steps and exit")
	runID := fs.String("run-id", fmt.Sprintf("tour-%d", time.Now().UnixNano()), "label for the tour's containers (lab cleanup --run ID)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *list {
		for _, s := range tour.Steps() {
			fmt.Fprintf(stdout, "%-6s part %d  %s\n", s.ID, s.Part, s.Title)
		}
		return nil
	}
	if len(rest) > 1 {
		fmt.Fprintln(os.Stderr, "usage: lab tour [--run] [--only] [STEP]; the steps are", strings.Join(tour.IDs(), ", "))
		return errUsage
	}
	id := ""
	if len(rest) == 1 {
		id = rest[0]
	}
	steps, err := tour.From(id, *only)
	if err != nil {
		return err
	}
	for _, s := range steps {
		if _, err := s.Experiments(); err != nil {
			return err
		}
	}
	if *out == "" {
		*out = filepath.Join(resultsDir(), "tour")
	}

	var p tour.Play
	if *play {
		if err := prepareEngine(ctx, *noBuild, *builder); err != nil {
			return err
		}
		defer cleanupRun(*runID)
		agents := trial.NewAgents(*runID)
		defer func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			_ = agents.Close(cctx)
		}()
		p = tour.Play{Out: *out, Pass: suite.Pass{
			Environment: trial.DescribeEnvironment(ctx, commit()),
			Options:     trial.Options{RunID: *runID, Agents: agents},
			Trial:       trial.Run,
			Observer:    newStatus(os.Stderr),
		}}
	}
	var all []tour.Seen
	for i, s := range steps {
		if err := tour.Intro(stdout, s, i, len(steps)); err != nil {
			return err
		}
		var seen tour.Seen
		if *play {
			seen, err = p.Run(ctx, s)
			if ctx.Err() != nil {
				tour.Summary(stdout, all)
				return fmt.Errorf("interrupted during step %s: go on with lab tour --run %s", s.ID, s.ID)
			}
		} else {
			seen, err = tour.Recorded(s, *out, *reference)
		}
		if err != nil {
			return err
		}
		tour.Saw(stdout, seen)
		all = append(all, seen)
	}
	tour.Summary(stdout, all)
	if *strict {
		var not []string
		for _, s := range all {
			if v := s.Verdict(); v != experiment.Reproduced {
				not = append(not, s.Step.ID+": "+string(v))
			}
		}
		if len(not) > 0 {
			return fmt.Errorf("--strict: %s", strings.Join(not, "; "))
		}
	}
	return nil
}
