package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/serverlab/serverlab/harness/corpus"
	"github.com/serverlab/serverlab/harness/protocol"
)

// caseNames is --case: repeated, or a comma-separated list.
type caseNames []string

func (c *caseNames) String() string { return strings.Join(*c, ",") }

func (c *caseNames) Set(v string) error {
	for _, n := range strings.Split(v, ",") {
		if n = strings.TrimSpace(n); n != "" {
			*c = append(*c, n)
		}
	}
	return nil
}

// hostileFlags are lab hostile's flags: the agent's side of
// corpus.Options.Args, which the harness sends (protocol.Hostile).
type hostileFlags struct {
	fs     *flag.FlagSet
	o      *corpus.Options
	names  *caseNames
	list   *bool
	asJSON *bool
}

func newHostileFlags() hostileFlags {
	fs := flags(protocol.CommandHostile)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lab hostile [flags] [CASE...]   (every case when none is named; --list names them)")
		fs.PrintDefaults()
	}
	o := corpus.NewOptions()
	var names caseNames
	fs.StringVar(&o.Host, corpus.FlagHost, o.Host, "specimen address: loopback only (127.0.0.0/8, ::1, localhost)")
	fs.IntVar(&o.Port, corpus.FlagPort, o.Port, "specimen port (the http wire)")
	fs.DurationVar(&o.Idle, corpus.FlagIdle, o.Idle, "the specimen's idle timeout, which the slow cases wait against")
	fs.DurationVar(&o.Margin, corpus.FlagMargin, o.Margin, "what a slow case waits beyond --idle")
	fs.DurationVar(&o.Timeout, corpus.FlagTimeout, o.Timeout, "the deadline of every case that is not slow")
	fs.Var(&names, corpus.FlagCase, "run this case (repeat it, or list them with commas); default every case")
	return hostileFlags{fs: fs, o: &o, names: &names,
		list:   fs.Bool(corpus.FlagList, false, "list the cases, what each sends and what it allows, and exit"),
		asJSON: fs.Bool(corpus.FlagJSON, false, "print one JSON record per case, as each ends"),
	}
}

func runHostile(ctx context.Context, args []string, stdout io.Writer) error {
	f := newHostileFlags()
	rest, err := parse(f.fs, args)
	if err != nil {
		return err
	}
	o, names, list, asJSON := *f.o, *f.names, f.list, f.asJSON
	cases := corpus.Cases()
	if names = append(names, rest...); len(names) > 0 {
		if cases, err = corpus.Select(cases, names); err != nil {
			return err
		}
	}
	if *list {
		return corpus.WriteCases(stdout, cases, o)
	}
	results, err := corpus.Run(ctx, cases, corpus.WithTarget(o.Host, o.Port), corpus.WithIdle(o.Idle),
		corpus.WithMargin(o.Margin), corpus.WithTimeout(o.Timeout))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	if !*asJSON {
		if err := corpus.WriteHeader(stdout); err != nil {
			return err
		}
	}
	var all []corpus.Result
	for r := range results {
		all = append(all, r)
		if *asJSON {
			err = enc.Encode(r)
		} else {
			err = r.WriteRow(stdout)
		}
		if err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(all) < len(cases) {
		return fmt.Errorf("%d of %d cases ran: the run's bound of %v was spent",
			len(all), len(cases), corpus.Budget(cases, o))
	}
	// The records carry the verdicts: with --json, a violation is data, not
	// a failed command (the runner would drop the output of one).
	if n := corpus.Violations(all); n > 0 && !*asJSON {
		return fmt.Errorf("%d of %d cases answered otherwise than the RFCs allow", n, len(all))
	}
	return nil
}
