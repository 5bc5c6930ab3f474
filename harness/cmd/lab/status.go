package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/suite"
	"github.com/serverlab/serverlab/harness/trial"
)

// status is the live progress display, a suite.Observer: on a terminal one
// line per experiment, redrawn in place as its trials run; elsewhere (CI,
// compose logs) one line per finished trial.
type status struct {
	w       io.Writer
	tty     bool
	total   int
	index   int
	name    string
	started time.Time
}

var _ suite.Observer = (*status)(nil)

func newStatus(w io.Writer) *status {
	s := &status{w: w}
	if f, ok := w.(*os.File); ok {
		s.tty = isTerminal(f)
	}
	return s
}

func (s *status) Repeat(k, n int, dir string) {
	fmt.Fprintf(s.w, "run %d of %d, into %s\n", k, n, dir)
}

func (s *status) Begin(i, total int, name string) {
	s.index, s.total, s.name, s.started = i+1, total, name, time.Now()
}

func (s *status) Progress(p trial.Progress) {
	width := 20
	filled := 0
	if p.Total > 0 {
		filled = p.Done * width / p.Total
	}
	line := fmt.Sprintf("[%d/%d] %-19s %s%s %d/%d  arm %s trial %d  %s", s.index, s.total, s.name,
		strings.Repeat("█", filled), strings.Repeat("░", width-filled), p.Done, p.Total, p.Arm, p.Trial,
		time.Since(s.started).Round(time.Second))
	if p.Err != nil {
		line += "  error: " + p.Err.Error()
	}
	if s.tty {
		fmt.Fprintf(s.w, "\r\033[K%s", line)
	} else if p.Ended {
		fmt.Fprintln(s.w, line)
	}
}

func (s *status) End(rec experiment.Record, path string) {
	mark := map[experiment.Outcome]string{experiment.Reproduced: "✓", experiment.NotReproduced: "✗", experiment.Inconclusive: "?"}[rec.Verdict.Outcome]
	s.finish(fmt.Sprintf("%s [%d/%d] %-19s %s  (%s)  %s", mark, s.index, s.total, s.name, rec.Verdict.Outcome,
		time.Since(s.started).Round(time.Second), path))
}

func (s *status) Skipped(rec experiment.Record) {
	s.finish(fmt.Sprintf("- [%d/%d] %-19s %s, kept from %s (--resume)", s.index, s.total, s.name, rec.Verdict.Outcome,
		rec.Started.Format("2006-01-02 15:04")))
}

func (s *status) Failed(name string, err error) {
	s.finish(fmt.Sprintf("! [%d/%d] %-19s could not run: %v", s.index, s.total, name, err))
}

func (s *status) Interrupted(name string) {
	s.finish(fmt.Sprintf("! [%d/%d] %-19s interrupted", s.index, s.total, name))
}

func (s *status) Warn(msg string) {
	if s.tty {
		fmt.Fprint(s.w, "\r\033[K")
	}
	fmt.Fprintln(s.w, "lab: "+msg)
}

func (s *status) finish(line string) {
	if s.tty {
		fmt.Fprintf(s.w, "\r\033[K%s\n", line)
		return
	}
	fmt.Fprintln(s.w, line)
}
