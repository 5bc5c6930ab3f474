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
	if root, err := runner.FindRoot("."); err == nil {
		return filepath.Join(root, DefaultOut)
	}
	return DefaultOut
}

// referenceDir is results/reference/ of the repository, or "".
func referenceDir() string {
	if root, err := runner.FindRoot("."); err == nil {
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
	builder := fs.String("builder", runner.BuilderFromEnv(), "base image of the build stage ($LAB_BUILDER)")
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
		root, err := runner.FindRoot(".")
		if err != nil {
			return fmt.Errorf("%w (or pass --no-build)", err)
		}
		fmt.Fprintf(os.Stderr, "building images from %s (builder %s)\n", root, *builder)
		if err := runner.Build(ctx, runner.BuildOptions{Dir: root, Builder: *builder, Targets: catalogue.Targets()}); err != nil {
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

// printVerdicts tabulates the records' verdicts, and how long each took
// setting up (starting and removing containers, probing the start) against
// measuring, so that a slow experiment reads as slow to set up or slow to
// observe; a last line sums them.
func printVerdicts(w io.Writer, recs []experiment.Record) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tVERDICT\tTRIALS\tTOOK\tSET-UP\tMEASURING\tREASON")
	var all timing
	var trials int
	var took time.Duration
	for _, r := range recs {
		reason := r.Verdict.Reason
		if len(reason) > 100 {
			reason = reason[:97] + "..."
		}
		t := timingOf(r)
		all.add(t)
		trials += len(r.Trials)
		took += r.Finished.Sub(r.Started)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Experiment.Name, r.Verdict.Outcome, len(r.Trials),
			r.Finished.Sub(r.Started).Round(time.Second), t.setUp(), t.measuring(), reason)
	}
	fmt.Fprintf(tw, "TOTAL\t\t%d\t%s\t%s\t%s\t\n", trials, took.Round(time.Second), all.setUp(), all.measuring())
	tw.Flush()
}

// timing is trials' time split into setting up and measuring, over the
// trials whose record says (Trial.Overhead; older records do not).
type timing struct {
	overhead, measured time.Duration
	known              bool
}

// timingOf splits the experiment's wall time in the shares its trials spent
// setting up (Trial.Overhead) and measuring (the rest of Elapsed): with
// trials in parallel their times add up to more than the wall's, and the
// two columns should add up to TOOK. A record made before overhead was
// recorded has none, and says nothing rather than a zero.
func timingOf(r experiment.Record) timing {
	var t timing
	var overhead, elapsed time.Duration
	for _, tr := range r.Trials {
		if tr.Overhead > 0 {
			t.known = true
		}
		overhead += tr.Overhead
		elapsed += tr.Elapsed
	}
	if elapsed <= 0 {
		return timing{}
	}
	took := r.Finished.Sub(r.Started)
	t.overhead = time.Duration(float64(took) * float64(overhead) / float64(elapsed))
	t.measured = took - t.overhead
	return t
}

// add sums another record's timing, when it has one.
func (t *timing) add(o timing) {
	if o.known {
		t.overhead, t.measured, t.known = t.overhead+o.overhead, t.measured+o.measured, true
	}
}

func (t timing) setUp() string     { return t.show(t.overhead) }
func (t timing) measuring() string { return t.show(t.measured) }

func (t timing) show(d time.Duration) string {
	if !t.known {
		return "-"
	}
	return d.Round(100 * time.Millisecond).String()
}

func runReport(_ context.Context, args []string, stdout io.Writer) error {
	fs := flags("report")
	dir := fs.String("dir", "", "folder of the JSON records; REPORT.md and index.html are written there, and for the runs of lab run --repeat "+
		"(DIR/runs/) STABILITY.md and stability.json, or without runs/ STABILITY.md from the stability tables kept there (DIR/"+report.StabilityFiles+") "+
		"(default: results/ of the repository, else ./results)")
	reference := fs.String("reference", referenceDir(), "records to set these beside (\"\": none)")
	merge := fs.Bool("merge", false, "merge the records of the folders named after the flags (a CI matrix's cells) into --dir, each environment's verdicts side by side")
	strict := fs.Bool("strict", false, "exit non-zero unless every record drawn is reproduced")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *dir == "" {
		*dir = resultsDir()
	}
	var recs []experiment.Record
	switch {
	case *merge && len(rest) == 0:
		fmt.Fprintln(os.Stderr, "usage: lab report --merge [--dir OUT] DIR...")
		return errUsage
	case *merge:
		recs, err = mergeReport(*dir, rest)
	case len(rest) > 0:
		fmt.Fprintf(os.Stderr, "lab: unexpected arguments: %s (--merge takes folders)\n", strings.Join(rest, " "))
		return errUsage
	default:
		var stability []string
		recs, stability, err = redraw(*dir, *reference)
		if err == nil && len(stability) > 0 {
			fmt.Fprintln(stdout, "wrote", strings.Join(stability, " and "))
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "wrote", filepath.Join(*dir, "REPORT.md"), "and", filepath.Join(*dir, "index.html"))
	if *strict {
		return exitStatus(recs, nil, true)
	}
	return nil
}

// mergeReport reads the records of every folder in dirs and writes the
// merged REPORT.md and index.html into out.
func mergeReport(out string, dirs []string) ([]experiment.Record, error) {
	var recs []experiment.Record
	for _, d := range dirs {
		got, skipped, err := report.Read(d)
		for _, s := range skipped {
			fmt.Fprintf(os.Stderr, "lab: skipped %s: %s\n", s.Path, s.Reason)
		}
		if err != nil {
			return nil, fmt.Errorf("merge %s: %w", d, err)
		}
		recs = append(recs, got...)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	if err := report.WriteReport(filepath.Join(out, "REPORT.md"), report.MergedMarkdown(recs)); err != nil {
		return nil, err
	}
	return recs, report.WriteReport(filepath.Join(out, "index.html"), report.MergedHTML(recs))
}

// writeReport redraws dir/REPORT.md and dir/index.html from every record in dir, beside the
// records in reference unless that is dir itself or holds none. Files that
// are not records are reported on stderr and skipped.
func writeReport(dir, reference string) ([]experiment.Record, error) {
	recs, _, err := drawReport(dir, reference)
	return recs, err
}

// drawReport is writeReport; it says too whether it redrew STABILITY.md.
// A folder without runs/ of its own may keep the stability tables of
// repeated runs made elsewhere, whose records are too large to keep (as
// the reference run does): the report then has their Stability section,
// and STABILITY.md is redrawn to hold them all. A folder with runs/ is
// writeRepeatReport's, which draws the runs' stability itself.
func drawReport(dir, reference string) ([]experiment.Record, bool, error) {
	recs, skipped, err := report.Read(dir)
	for _, s := range skipped {
		fmt.Fprintf(os.Stderr, "lab: skipped %s: %s\n", s.Path, s.Reason)
	}
	if errors.Is(err, report.ErrNoRecords) {
		return nil, false, fmt.Errorf("nothing to draw: %w (lab run writes them)", err)
	} else if err != nil {
		return nil, false, err
	}
	var tables []experiment.StabilityTable
	if _, err := os.Stat(filepath.Join(dir, report.RunsDir)); errors.Is(err, os.ErrNotExist) {
		if tables, err = report.ReadStabilities(dir); err != nil {
			return nil, false, err
		}
	}
	var opts []report.Option
	if len(tables) > 0 {
		if err := report.WriteReport(filepath.Join(dir, report.StabilityMD), report.StabilitiesMarkdown(tables)); err != nil {
			return nil, false, err
		}
		opts = append(opts, report.WithStabilities(tables...))
	}
	ref := referenceRecords(dir, reference)
	if err := report.WriteReport(filepath.Join(dir, "REPORT.md"), report.Markdown(recs, ref, opts...)); err != nil {
		return nil, false, err
	}
	return recs, len(tables) > 0, report.WriteReport(filepath.Join(dir, "index.html"), report.HTML(recs, ref, opts...))
}

// referenceRecords are the records in reference to set dir's beside, none
// when reference is dir itself or holds none.
func referenceRecords(dir, reference string) []experiment.Record {
	if reference == "" || sameDir(dir, reference) {
		return nil
	}
	ref, _, _ := report.Read(reference) // no reference: no comparison
	return ref
}

// sameDir says whether a and b name the same folder.
func sameDir(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && filepath.Clean(aa) == filepath.Clean(bb)
}
