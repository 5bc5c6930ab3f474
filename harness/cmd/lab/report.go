package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/report"
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
