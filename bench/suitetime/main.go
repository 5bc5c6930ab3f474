// Command suitetime sets one run of the suite beside another, by their
// records alone: the wall time of each experiment and of the whole, the
// time a trial takes to start, and each trial's overhead outside its steps,
// with the ratios now/then. By default "then" is the reference run before
// the committed one, read from git, and "now" the committed reference run:
// how much the lab's own cost changed. Two runs of different days may come
// from machines of different speed: bench/trialcost measures a trial's
// overhead both ways in the same run. It runs nothing and times nothing itself: the
// figures are the records'.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/serverlab/serverlab/bench/internal/benchmark"
	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
)

// DefaultThen is the commit of the reference before this one (c10b450,
// 2026-12-03: run 20 of twenty quiet runs at 46ae035, on another machine of
// the same kind). 168981d's is the one before (run 10 of ten at 2876be3,
// whose runtime code is 46ae035's); 280a2de's is the last before the
// trials shared agents (run 20 of twenty at c62ca3f); e7a8a4b's the one
// before the suite was cut to minutes (2026-11-28: twenty experiments, 12.6
// minutes on this machine).
const DefaultThen = "c10b450"

// referencePath is where the committed reference run lives.
const referencePath = "results/reference"

func main() { benchmark.Main("suitetime", run) }

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("suitetime", flag.ContinueOnError)
	then := fs.String("then", DefaultThen, "the git revision whose "+referencePath+" is the earlier run")
	thenDir := fs.String("then-dir", "", "a folder of records to use as the earlier run instead of -then's")
	now := fs.String("now", "", "the folder of records of the later run (default: "+referencePath+" of the repository)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := benchmark.Root(ctx)
	if err != nil {
		return err
	}
	if *now == "" {
		*now = filepath.Join(root, referencePath)
	}
	var before []experiment.Record
	if *thenDir != "" {
		before, err = read(*thenDir)
	} else {
		before, err = readAt(ctx, root, *then)
	}
	if err != nil {
		return err
	}
	after, err := read(*now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "then: %s (%d records); now: %s (%d records)\n\n", label(*then, *thenDir), len(before), *now, len(after))
	rows, total := compare(before, after)
	return write(stdout, rows, total)
}

func label(rev, dir string) string {
	if dir != "" {
		return dir
	}
	return rev + ":" + referencePath
}

func read(dir string) ([]experiment.Record, error) {
	recs, _, err := report.Read(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	return recs, nil
}

// readAt reads the records of referencePath as they stood at rev, through
// a temporary folder: report.Read is the one reader of records.
func readAt(ctx context.Context, root, rev string) ([]experiment.Record, error) {
	git := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", root}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
		return out, nil
	}
	names, err := git("ls-tree", "--name-only", rev, referencePath+"/")
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "suitetime-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	for _, name := range strings.Fields(string(names)) {
		if path.Ext(name) != ".json" {
			continue
		}
		b, err := git("show", rev+":"+name)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(tmp, path.Base(name)), b, 0o644); err != nil {
			return nil, err
		}
	}
	return read(tmp)
}
