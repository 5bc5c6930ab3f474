package corpus

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The text table: a header, then a row per case as each ends, so that a
// person watches the run go by.
const rowFormat = "%-26s %-14s %-8s %-5s %7s  %s\n"

// WriteHeader writes the table's header line.
func WriteHeader(w io.Writer) error {
	_, err := fmt.Fprintf(w, rowFormat, "CASE", "STATUSES", "END", "ALIVE", "TIME", "VERDICT")
	return err
}

// WriteRow writes r as a row of the table.
func (r Result) WriteRow(w io.Writer) error {
	verdict := "ok"
	if r.Violation != "" {
		verdict = "VIOLATION: " + r.Violation
	}
	alive := "yes"
	if !r.Alive {
		alive = "NO"
	}
	_, err := fmt.Fprintf(w, rowFormat, r.Case, runs(r.Statuses), r.End(),
		alive, r.Duration.Round(time.Millisecond), verdict)
	return err
}

// End names how the case's connection ended.
func (o Observation) End() string {
	switch {
	case o.Reset:
		return "reset"
	case o.Closed:
		return "fin"
	case o.TimedOut:
		return "timeout"
	case o.ReadError != "":
		return "error"
	}
	return "-" // an abort: the client reset it, nothing was read
}

// runs shows statuses with repeats folded: "200×99 400".
func runs(statuses []int) string {
	if len(statuses) == 0 {
		return "-"
	}
	var parts []string
	for i := 0; i < len(statuses); {
		j := i
		for j < len(statuses) && statuses[j] == statuses[i] {
			j++
		}
		s := strconv.Itoa(statuses[i])
		if j-i > 1 {
			s += "×" + strconv.Itoa(j-i)
		}
		parts = append(parts, s)
		i = j
	}
	return strings.Join(parts, " ")
}

// Violations counts the results that violate their case.
func Violations(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Violation != "" {
			n++
		}
	}
	return n
}

// WriteCases lists the cases: name, how and what is sent, what is allowed,
// and the RFC's why.
func WriteCases(w io.Writer, cases []Case, o Options) error {
	var b strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&b, "%s  (%s, deadline %v)\n  sends:   %s\n  allowed: %s\n  why:     %s\n",
			c.Name, c.Way, c.Deadline(o), c.Sends, c.Expect.Allowed(), c.RFC)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
