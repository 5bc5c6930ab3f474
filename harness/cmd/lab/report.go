package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
	"github.com/serverlab/serverlab/harness/suite"
)

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
		recs, err = suite.Merge(*dir, rest, newStatus(os.Stderr))
	case len(rest) > 0:
		fmt.Fprintf(os.Stderr, "lab: unexpected arguments: %s (--merge takes folders)\n", strings.Join(rest, " "))
		return errUsage
	default:
		var stability []string
		recs, stability, err = suite.Redraw(*dir, *reference, newStatus(os.Stderr))
		if err == nil && len(stability) > 0 {
			fmt.Fprintln(stdout, "wrote", strings.Join(stability, " and "))
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "wrote", filepath.Join(*dir, "REPORT.md"), "and", filepath.Join(*dir, "index.html"))
	if *strict {
		return suite.Status(recs, nil, true)
	}
	return nil
}
