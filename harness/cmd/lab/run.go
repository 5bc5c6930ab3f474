package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/image"
	"github.com/serverlab/serverlab/harness/report"
	"github.com/serverlab/serverlab/harness/runner"
	"github.com/serverlab/serverlab/harness/trial"
)

// DefaultOut is where a user's runs go, in the repository when lab runs in
// it (git ignores them); ReferenceDir, under it, holds the committed
// reference run that reports set a run beside.
const (
	DefaultOut   = "results"
	ReferenceDir = "reference"
)

// EnvExperiments names the experiments `lab run` runs when its command
// line names none ("hello zombies"); empty or unset: all of them.
const EnvExperiments = "LAB_EXPERIMENTS"

// resultsDir is the repository's results/ when the working directory is in
// the repository, else ./results.
func resultsDir() string {
	if root, err := image.FindRoot("."); err == nil {
		return filepath.Join(root, DefaultOut)
	}
	return DefaultOut
}

// referenceDir is results/reference/ of the repository, or "".
func referenceDir() string {
	if root, err := image.FindRoot("."); err == nil {
		return filepath.Join(root, DefaultOut, ReferenceDir)
	}
	return ""
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func runRun(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("run")
	var presets stringList
	fs.Var(&presets, "preset", "run only the arms of this preset (repeatable)")
	trials := fs.Int("trials", 0, "trials per arm (0: each experiment's own)")
	repeat := fs.Int("repeat", 1, "run the experiments this many times in a row: run k into OUT/runs/k/, "+
		"then how the runs agree into OUT/STABILITY.md and stability.json")
	out := fs.String("out", "", "folder for the JSON records and REPORT.md (default: results/ of the repository, else ./results; "+
		"results/reference/ is the committed reference run)")
	reference := fs.String("reference", referenceDir(), "records to set this run beside in REPORT.md (\"\": none)")
	strict := fs.Bool("strict", false, "exit non-zero unless every experiment is reproduced (with --repeat, in every run)")
	noBuild := fs.Bool("no-build", false, "use the images as they are (lab build makes them)")
	resume := fs.Bool("resume", false, "skip the experiments whose complete record is already in --out (after an interrupted run)")
	builder := fs.String("builder", image.BuilderFromEnv(), "base image of the build stage ($LAB_BUILDER)")
	neighbour := fs.String("neighbour", "", "run beside a busy neighbour: "+neighbourNames()+" (\"\": none); the records say which")
	list := fs.Bool("list", false, "list the experiments and exit")
	runID := fs.String("run-id", fmt.Sprintf("run-%d", time.Now().UnixNano()), "label for this run's containers (lab cleanup --run ID)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *list {
		return listExperiments(stdout)
	}
	if *trials < 0 {
		return fmt.Errorf("--trials %d: must be 0 (each experiment's own) or more", *trials)
	}
	if *repeat < 1 {
		return fmt.Errorf("--repeat %d: must be 1 or more", *repeat)
	}
	if len(rest) == 0 {
		// Compose passes a selection this way: its command cannot take
		// a variable number of words.
		rest = strings.Fields(os.Getenv(EnvExperiments))
	}
	exps, err := selectExperiments(rest, presets)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = resultsDir()
	}
	if *repeat > 1 {
		if err := checkRepeatOut(*out, *repeat, *resume); err != nil {
			return err
		}
	}
	if err := runner.Ping(ctx); err != nil {
		return err
	}
	if !*noBuild {
		root, err := image.FindRoot(".")
		if err != nil {
			return fmt.Errorf("%w (or pass --no-build)", err)
		}
		fmt.Fprintf(os.Stderr, "building images from %s (builder %s)\n", root, *builder)
		if err := image.Build(ctx, image.BuildOptions{Dir: root, Builder: *builder, Targets: catalogue.Targets()}); err != nil {
			return err
		}
	}

	defer func() {
		// A fresh context: on Ctrl-C the run's context is already done.
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := runner.Cleanup(cctx, *runID); err != nil {
			fmt.Fprintln(os.Stderr, "lab: cleanup:", err)
		}
	}()
	env := trial.DescribeEnvironment(ctx, commit())
	if *neighbour != "" {
		n, err := runner.LookupNeighbour(*neighbour)
		if err != nil {
			return err
		}
		stop, err := runner.StartNeighbour(ctx, *runID, n)
		defer stop()
		if err != nil {
			return err
		}
		env.Neighbour = n.Name + ": " + n.What
	}
	p := pass{
		exps:      exps,
		env:       env,
		options:   trial.Options{RunID: *runID, Trials: *trials, Presets: presets},
		reference: *reference,
		resume:    *resume,
		trial:     trial.Run,
		log:       os.Stderr,
	}
	if *repeat > 1 {
		return runRepeat(ctx, p, *out, *repeat, *strict, stdout)
	}
	recs, failed, err := p.run(ctx, *out)
	if err != nil {
		return err
	}
	printVerdicts(stdout, recs)
	return exitStatus(recs, failed, *strict)
}

// pass is one run of the selected experiments into one records folder:
// what `lab run` does once, and --repeat N times.
type pass struct {
	exps      []experiment.Experiment
	env       experiment.Environment
	options   trial.Options // its Progress is the status line's
	reference string        // records to draw the folder's REPORT.md beside
	resume    bool          // keep the complete records already in the folder
	// trial runs one experiment: trial.Run, or a stand-in in tests.
	trial func(context.Context, experiment.Experiment, experiment.Environment, trial.Options) (experiment.Record, error)
	log   io.Writer // the live status
}

// run runs every experiment of p once into out, writing each record as it
// ends, then REPORT.md and index.html. It returns the records and the
// experiments that could not run. An interrupt stops it after the
// experiment under way: the report is drawn from those that finished, and
// the error says where they are.
func (p pass) run(ctx context.Context, out string) ([]experiment.Record, []string, error) {
	done := map[string]experiment.Record{}
	if p.resume {
		have, _, _ := report.Read(out) // none yet: nothing to skip
		for _, r := range have {
			if !r.Partial() {
				done[r.Experiment.Name] = r
			}
		}
	}
	status := newStatus(p.log, len(p.exps))
	opts := p.options
	opts.Progress = status.progress
	var recs []experiment.Record
	var failed []string
	for i, e := range p.exps {
		status.begin(i, e.Name)
		if r, ok := done[e.Name]; ok && len(opts.Presets) == 0 {
			status.skipped(r)
			recs = append(recs, r)
			continue
		}
		rec, err := p.trial(ctx, e, p.env, opts)
		if ctx.Err() != nil {
			status.interrupted(e.Name)
			if _, err := writeReport(out, p.reference); err != nil && !errors.Is(err, report.ErrNoRecords) {
				return recs, failed, err
			}
			return recs, failed, fmt.Errorf("interrupted during %s: the %d finished experiments are in %s", e.Name, len(recs), out)
		}
		if err != nil {
			status.failed(e.Name, err)
			failed = append(failed, fmt.Sprintf("%s: %v", e.Name, err))
			continue
		}
		path, err := report.Write(out, rec)
		if err != nil {
			return recs, failed, err
		}
		recs = append(recs, rec)
		status.end(rec, path)
	}
	if _, err := writeReport(out, p.reference); err != nil && !errors.Is(err, report.ErrNoRecords) {
		return recs, failed, err
	}
	return recs, failed, nil
}

// neighbourNames lists the neighbours for --neighbour's help.
func neighbourNames() string {
	var s []string
	for _, n := range runner.Neighbours {
		s = append(s, fmt.Sprintf("%s (%s)", n.Name, n.What))
	}
	return strings.Join(s, ", ")
}

// exitStatus is an error when an experiment could not run, a trial failed,
// or (strict) a prediction was not reproduced.
func exitStatus(recs []experiment.Record, failed []string, strict bool) error {
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

// selectExperiments returns the named experiments (all when none is named);
// with presets, only those that have an arm for one of them.
func selectExperiments(names, presets []string) ([]experiment.Experiment, error) {
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
	// Every experiment chosen is checked before the first one starts a
	// container: a check that reads a step its arm does not take fails
	// here, not after the experiments before it have run.
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

func listExperiments(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tARMS\tTRIALS\tTITLE")
	for _, e := range experiment.Suite() {
		var arms []string
		for _, a := range e.Arms {
			arms = append(arms, a.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", e.Name, strings.Join(arms, ","), e.Trials, e.Title)
	}
	return tw.Flush()
}
