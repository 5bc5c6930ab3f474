package main

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
)

// cost is what one record of an experiment spent: its wall time, its
// trials, the time each took to start (agent, specimen, start probe: until
// its first step) and, where the record says, its overhead outside the
// steps (Trial.Overhead: starting, reading the end, removing).
type cost struct {
	Wall     time.Duration
	Trials   int
	Start    time.Duration // summed over the trials with a step
	Started  int           // trials with a step
	Overhead time.Duration // summed over the trials that recorded it
	Measured int           // trials that recorded it
}

// costOf sums r's trials.
func costOf(r experiment.Record) cost {
	c := cost{Wall: r.Finished.Sub(r.Started), Trials: len(r.Trials)}
	for _, t := range r.Trials {
		if len(t.Steps) > 0 {
			c.Start += t.Steps[0].At
			c.Started++
		}
		if t.Overhead > 0 {
			c.Overhead += t.Overhead
			c.Measured++
		}
	}
	return c
}

func (c *cost) add(o cost) {
	c.Wall += o.Wall
	c.Trials += o.Trials
	c.Start += o.Start
	c.Started += o.Started
	c.Overhead += o.Overhead
	c.Measured += o.Measured
}

// meanStart is the mean time from a trial's start to its first step.
func (c cost) meanStart() (time.Duration, bool) {
	if c.Started == 0 {
		return 0, false
	}
	return c.Start / time.Duration(c.Started), true
}

// meanOverhead is the mean recorded overhead of a trial.
func (c cost) meanOverhead() (time.Duration, bool) {
	if c.Measured == 0 {
		return 0, false
	}
	return c.Overhead / time.Duration(c.Measured), true
}

// row is one experiment then and now.
type row struct {
	Name      string
	Then, Now cost
	InThen    bool
	InNow     bool
}

// compare pairs the records of then and now by experiment, in now's order
// (then's experiments that now lacks come last), and adds a total over the
// experiments both have.
func compare(then, now []experiment.Record) (rows []row, total row) {
	byName := map[string]*row{}
	var names, gone []string // in now's order; then those only then had
	side := func(recs []experiment.Record, order *[]string, set func(*row, cost)) {
		for _, r := range recs {
			n := r.Experiment.Name
			if byName[n] == nil {
				byName[n] = &row{Name: n}
				*order = append(*order, n)
			}
			set(byName[n], costOf(r))
		}
	}
	side(now, &names, func(r *row, c cost) { r.Now, r.InNow = c, true })
	side(then, &gone, func(r *row, c cost) { r.Then, r.InThen = c, true })
	sort.Strings(gone)
	total = row{Name: "TOTAL", InThen: true, InNow: true}
	for _, n := range append(names, gone...) {
		r := *byName[n]
		rows = append(rows, r)
		if r.InThen && r.InNow {
			total.Then.add(r.Then)
			total.Now.add(r.Now)
		}
	}
	return rows, total
}

// ratio is now/then, printed to three decimals, or "-".
func ratio(now, then time.Duration, ok bool) string {
	if !ok || then <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(now)/float64(then))
}

func show(d time.Duration, ok bool) string {
	if !ok {
		return "-"
	}
	return d.Round(10 * time.Millisecond).String()
}

// write prints the table: each experiment's wall time then and now and
// their ratio, the mean time a trial took to start, and the mean overhead
// then and now and their ratio (records before Trial.Overhead existed have
// none: "-").
func write(w io.Writer, rows []row, total row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "experiment\ttrials then\ttrials now\twall then\twall now\tnow/then\tstart then\tstart now\tnow/then\toverhead then\toverhead now\tnow/then\t")
	for _, r := range append(rows, total) {
		st, okT := r.Then.meanStart()
		sn, okN := r.Now.meanStart()
		ot, okOT := r.Then.meanOverhead()
		on, okON := r.Now.meanOverhead()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name,
			count(r.Then.Trials, r.InThen), count(r.Now.Trials, r.InNow),
			show(r.Then.Wall, r.InThen), show(r.Now.Wall, r.InNow), ratio(r.Now.Wall, r.Then.Wall, r.InThen && r.InNow),
			show(st, okT), show(sn, okN), ratio(sn, st, okT && okN),
			show(ot, okOT), show(on, okON), ratio(on, ot, okOT && okON))
	}
	return tw.Flush()
}

func count(n int, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprint(n)
}
