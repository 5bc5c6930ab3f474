package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/trial"
)

// status is the live progress display: on a terminal one line per
// experiment, redrawn in place as its trials run; elsewhere (CI, compose
// logs) one line per finished trial.
type status struct {
	w       io.Writer
	tty     bool
	total   int
	index   int
	name    string
	started time.Time
}

func newStatus(w io.Writer, total int) *status {
	s := &status{w: w, total: total}
	if f, ok := w.(*os.File); ok {
		s.tty = isTerminal(f)
	}
	return s
}

func (s *status) begin(i int, name string) {
	s.index, s.name, s.started = i+1, name, time.Now()
}

func (s *status) progress(p trial.Progress) {
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

func (s *status) end(rec experiment.Record, path string) {
	mark := map[experiment.Outcome]string{experiment.Reproduced: "✓", experiment.NotReproduced: "✗", experiment.Inconclusive: "?"}[rec.Verdict.Outcome]
	s.finish(fmt.Sprintf("%s [%d/%d] %-19s %s  (%s)  %s", mark, s.index, s.total, s.name, rec.Verdict.Outcome,
		time.Since(s.started).Round(time.Second), path))
}

func (s *status) skipped(rec experiment.Record) {
	s.finish(fmt.Sprintf("- [%d/%d] %-19s %s, kept from %s (--resume)", s.index, s.total, s.name, rec.Verdict.Outcome,
		rec.Started.Format("2006-01-02 15:04")))
}

func (s *status) failed(name string, err error) {
	s.finish(fmt.Sprintf("! [%d/%d] %-19s could not run: %v", s.index, s.total, name, err))
}

func (s *status) interrupted(name string) {
	s.finish(fmt.Sprintf("! [%d/%d] %-19s interrupted", s.index, s.total, name))
}

func (s *status) finish(line string) {
	if s.tty {
		fmt.Fprintf(s.w, "\r\033[K%s\n", line)
		return
	}
	fmt.Fprintln(s.w, line)
}
