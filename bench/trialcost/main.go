// Command trialcost measures what a trial costs the lab outside its steps
// (Trial.Overhead: starting the specimen, the start snapshot, reading its
// end, emptying or removing what it ran in), two ways in the same run: each
// trial beside an agent started for it alone, as before the pool, and the
// trials beside agents lent by one pool (runner.Agents), as lab run does
// now. Rounds alternate which way goes first; it prints each round's mean
// overhead per trial both ways and the ratio pooled/fresh, then the ratio
// of the means. It needs the images (lab build) and runs nothing but the
// lab's own containers.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/serverlab/serverlab/bench/internal/benchmark"
	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/runner"
	"github.com/serverlab/serverlab/harness/trial"
)

func main() { benchmark.Main("trialcost", run) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("trialcost", flag.ContinueOnError)
	name := fs.String("experiment", "zombies", "the experiment whose trials are run (one with few connections: the pool is for those)")
	trials := fs.Int("trials", 8, "trials per arm, each way, in every round")
	rounds := fs.Int("rounds", 3, "rounds; each runs both ways, alternating which goes first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trials < 1 || *rounds < 1 {
		return fmt.Errorf("-trials and -rounds must be at least 1")
	}
	e, err := experiment.Lookup(*name)
	if err != nil {
		return err
	}
	if e.FreshNamespace {
		return fmt.Errorf("%s keeps a namespace per trial anyway: pick another experiment", e.Name)
	}
	if err := runner.Ping(ctx); err != nil {
		return err
	}
	id := fmt.Sprintf("bench-trialcost-%d", time.Now().UnixNano())
	defer runner.Cleanup(context.WithoutCancel(ctx), id)

	fmt.Fprintf(stdout, "%s: %d arm(s) x %d trials, each way, %d rounds\n\n", e.Name, len(e.Arms), *trials, *rounds)
	fmt.Fprintf(stdout, "%-6s %-14s %-14s %s\n", "round", "fresh/trial", "pooled/trial", "pooled/fresh")
	var sumFresh, sumPooled time.Duration
	for r := 1; r <= *rounds; r++ {
		var fresh, pooled time.Duration
		ways := []bool{false, true}
		if r%2 == 0 {
			ways = []bool{true, false}
		}
		for _, pool := range ways {
			d, err := overhead(ctx, e, id, *trials, pool)
			if err != nil {
				return err
			}
			if pool {
				pooled = d
			} else {
				fresh = d
			}
		}
		sumFresh, sumPooled = sumFresh+fresh, sumPooled+pooled
		fmt.Fprintf(stdout, "%-6d %-14s %-14s %.3f\n", r, fresh.Round(time.Millisecond), pooled.Round(time.Millisecond), float64(pooled)/float64(fresh))
	}
	n := time.Duration(*rounds)
	fmt.Fprintf(stdout, "%-6s %-14s %-14s %.3f\n", "mean", (sumFresh / n).Round(time.Millisecond), (sumPooled / n).Round(time.Millisecond), float64(sumPooled)/float64(sumFresh))
	return nil
}

// overhead runs e's trials one way and returns their mean overhead. A
// failed trial fails the benchmark: its overhead would mean nothing.
func overhead(ctx context.Context, e experiment.Experiment, id string, trials int, pool bool) (time.Duration, error) {
	e.FreshNamespace = !pool
	o := trial.Options{RunID: id, Trials: trials}
	if pool {
		o.Agents = trial.NewAgents(id)
		defer o.Agents.Close(context.WithoutCancel(ctx))
	}
	rec, err := trial.Run(ctx, e, experiment.Environment{}, o)
	if err != nil {
		return 0, err
	}
	var sum time.Duration
	for _, t := range rec.Trials {
		if t.Error != "" {
			return 0, fmt.Errorf("%s %s trial %d: %s", e.Name, t.Arm, t.Trial, t.Error)
		}
		sum += t.Overhead
	}
	return sum / time.Duration(len(rec.Trials)), nil
}
