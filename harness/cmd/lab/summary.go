package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
)

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

// printRuns prints a line per run, then per experiment in how many runs it
// was reproduced and which checks did not hold in every one.
func printRuns(w io.Writer, runs [][]experiment.Record, s experiment.StabilityTable) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tEXPERIMENTS\tREPRODUCED\tNOT REPRODUCED\tINCONCLUSIVE\tTOOK\tSET-UP\tMEASURING")
	for k, recs := range runs {
		outcomes := map[experiment.Outcome]int{}
		var t timing
		var took time.Duration
		for _, r := range recs {
			outcomes[r.Verdict.Outcome]++
			t.add(timingOf(r))
			took += r.Finished.Sub(r.Started)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", k+1, len(recs), outcomes[experiment.Reproduced],
			outcomes[experiment.NotReproduced], outcomes[experiment.Inconclusive], took.Round(time.Second), t.setUp(), t.measuring())
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EXPERIMENT\tREPRODUCED\tCHECKS HELD IN EVERY RUN\tNOT IN EVERY RUN")
	for _, e := range s.Experiments {
		steady := 0
		var not []string
		for _, c := range e.Checks {
			if c.Held == s.Runs {
				steady++
				continue
			}
			not = append(not, fmt.Sprintf("%s (%d/%d)", c.Check, c.Held, s.Runs))
		}
		list := strings.Join(not, "; ")
		if len(list) > 100 {
			list = list[:97] + "..."
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%d/%d\t%s\n", e.Experiment, e.Reproduced, s.Runs, steady, len(e.Checks), list)
	}
	tw.Flush()
}
