package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/image"
	"github.com/serverlab/serverlab/harness/runner"
	"github.com/serverlab/serverlab/harness/suite"
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

// EnvNoBuild, when true ("1"), is the default of `lab run --no-build`:
// Compose's way to run the lab on images loaded, not built (the guest of
// scripts/vm-check.sh).
const EnvNoBuild = "LAB_NO_BUILD"

// noBuildFromEnv reads EnvNoBuild: false when unset or empty.
func noBuildFromEnv() (bool, error) {
	v := os.Getenv(EnvNoBuild)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want 1 or 0", EnvNoBuild, v)
	}
	return b, nil
}

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
	noBuild, builder, err := buildFlags(fs)
	if err != nil {
		return err
	}
	resume := fs.Bool("resume", false, "skip the experiments whose complete record is already in --out (after an interrupted run)")
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
	exps, err := suite.Select(rest, presets)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = resultsDir()
	}
	if *repeat > 1 {
		if err := suite.CheckRepeatOut(*out, *repeat, *resume); err != nil {
			return err
		}
	}
	if err := prepareEngine(ctx, *noBuild, *builder); err != nil {
		return err
	}
	defer cleanupRun(*runID)
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
	p := suite.Pass{
		Experiments: exps,
		Environment: env,
		Options:     trial.Options{RunID: *runID, Trials: *trials, Presets: presets},
		Reference:   *reference,
		Resume:      *resume,
		Trial:       trial.Run,
		Observer:    newStatus(os.Stderr),
	}
	if *repeat > 1 {
		return runRepeat(ctx, p, *out, *repeat, *strict, stdout)
	}
	recs, failed, err := p.Run(ctx, *out)
	if err != nil {
		return err
	}
	printVerdicts(stdout, recs)
	return suite.Status(recs, failed, *strict)
}

// buildFlags declares --no-build (default $LAB_NO_BUILD) and --builder on
// fs: how a command that starts specimens gets its images.
func buildFlags(fs *flag.FlagSet) (noBuild *bool, builder *string, err error) {
	noBuildDefault, err := noBuildFromEnv()
	if err != nil {
		return nil, nil, err
	}
	noBuild = fs.Bool("no-build", noBuildDefault, "use the images as they are (lab build makes them; default $"+EnvNoBuild+")")
	builder = fs.String("builder", image.BuilderFromEnv(), "base image of the build stage ($LAB_BUILDER)")
	return noBuild, builder, nil
}

// prepareEngine checks that the engine answers and, unless noBuild, builds
// the lab's images from the repository with builder.
func prepareEngine(ctx context.Context, noBuild bool, builder string) error {
	if err := runner.Ping(ctx); err != nil {
		return err
	}
	if noBuild {
		return nil
	}
	root, err := image.FindRoot(".")
	if err != nil {
		return fmt.Errorf("%w (or pass --no-build)", err)
	}
	fmt.Fprintf(os.Stderr, "building images from %s (builder %s)\n", root, builder)
	return image.Build(ctx, image.BuildOptions{Dir: root, Builder: builder, Targets: catalogue.Targets()})
}

// cleanupRun removes every container of runID, with a fresh context: on
// Ctrl-C the run's own is already done.
func cleanupRun(runID string) {
	cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := runner.Cleanup(cctx, runID); err != nil {
		fmt.Fprintln(os.Stderr, "lab: cleanup:", err)
	}
}

// runRepeat runs p n times into out, then prints how the runs agree.
func runRepeat(ctx context.Context, p suite.Pass, out string, n int, strict bool, stdout io.Writer) error {
	runs, s, failed, err := p.Repeat(ctx, out, n)
	if err != nil {
		return err
	}
	printRuns(stdout, runs, s)
	return suite.RepeatStatus(runs, s, failed, strict)
}

// neighbourNames lists the neighbours for --neighbour's help.
func neighbourNames() string {
	var s []string
	for _, n := range runner.Neighbours {
		s = append(s, fmt.Sprintf("%s (%s)", n.Name, n.What))
	}
	return strings.Join(s, ", ")
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
