package experiment

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/corpus"
)

// Hardening returns the experiments that hold the lab to its own word: the
// specimens whose crash is no lesson survive hostile input.
func Hardening() []Experiment { return []Experiment{robustness()} }

// robustIdle is the idle timeout the robust specimens run with here, which
// the corpus's slow cases wait against.
const robustIdle = 2 * time.Second

// RobustPresets are the presets whose specimens must survive anything: one
// per specimen, on the http wire, the seed's dying ones (3d, 3e, the
// exhaustion arms) left out, since their crash is the lesson. A peer is
// not the lab's code (gunicorn): it must live through every case, and
// what it answers is measured and shown, not held to the lab's rule.
var RobustPresets = []struct {
	Arm, Preset string
	Peer        bool
}{
	{"iterative", "webserver3a", false}, {"forking", "webserver3g", false}, {"select", "select", false},
	{"epoll", "epoll", false}, {"uring", "uring", false}, {"prefork", "prefork", false}, {"threads", "threads", false},
	{"goroutines", "goroutines", false}, {"wsgi", "webserver3h-wsgiapp", false},
	{"gunicorn", "gunicorn-flask", true},
}

func robustness() Experiment {
	cases := len(corpus.Cases())
	e := Experiment{
		Name:  "robustness",
		Title: "Hostile input: every specimen whose crash is no lesson answers as the RFCs say, and lives; so does gunicorn, the peer",
		Predicts: fmt.Sprintf("each of %d hostile inputs (no line ends, bare LF, request lines of 8 KB and 1 MB, 10 000 fields, a field without a colon, "+
			"whitespace before one, NUL bytes, garbage, unknown and lowercase methods, HTTP/0.9, HTTP/2's preface, HTTP/3.0, bad, duplicate, negative and huge "+
			"Content-Length, broken chunks, 1 MB bodies, 100 pipelined requests, one-byte writes, slowloris, half-close, a reset mid-request, silence...) "+
			"gets a status RFC 9110/9112 allow for it (400, 405, 408, 413, 414, 431, 501, 505) or a clean close, never a 2xx for a malformed request, "+
			"and after every case the specimen still answers GET /hello; gunicorn, a peer, is held to living only, its answers set beside the lab's", cases),
		Mechanism: "A server that parses what a client sends trusts nothing it has not checked: lengths are bounded before anything is allocated, " +
			"a request that cannot be framed is refused with its status and the connection closed after what was sent is drained, " +
			"and a client that never finishes is timed out. A crash on one connection is a crash for all, in every model but the forking ones.",
		Trials: 1,
		// What each specimen answers is the lesson, not when: the slow
		// cases wait seconds against the idle timeout, with seconds to
		// spare (corpus.DefaultMargin), so four specimens at once.
		Parallel: 4,
		Views:    []View{HostileAnswers{}},
	}
	for _, r := range RobustPresets {
		e.Arms = append(e.Arms, Arm{Name: r.Arm, Preset: r.Preset, Wire: catalogue.WireHTTP,
			Args:  override(r.Preset, "--idle-timeout", fmt.Sprintf("%dms", robustIdle.Milliseconds())),
			Steps: []Step{{Kind: StepHostile, Label: "corpus", Wait: robustIdle}}})
		e.Checks = append(e.Checks, check(r.Arm, HostileCases(), EQ, float64(cases), fmt.Sprintf("each of the %d cases ran", cases)))
		if !r.Peer {
			e.Checks = append(e.Checks, check(r.Arm, HostileViolations(), EQ, 0, "every answer is one the RFCs allow"))
		}
		e.Checks = append(e.Checks,
			check(r.Arm, HostileCrashes(), EQ, 0, "the specimen answers GET /hello after every case, and runs at the end"))
	}
	return e
}

// HostileResults are every hostile case's result in a trial.
func HostileResults(t Trial) []corpus.Result {
	var out []corpus.Result
	for _, s := range t.Steps {
		out = append(out, s.Hostile...)
	}
	return out
}

var errNoCorpus = errors.New("no hostile case ran")

// HostileCases counts the hostile cases that ran.
func HostileCases() Metric {
	return newMetric("hostile_cases", "", func(t Trial) (float64, error) {
		rs := HostileResults(t)
		if len(rs) == 0 {
			return 0, errNoCorpus
		}
		return float64(len(rs)), nil
	})
}

// HostileViolations counts the hostile cases answered otherwise than the
// RFCs allow.
func HostileViolations() Metric {
	return newMetric("hostile_violations", "", func(t Trial) (float64, error) {
		rs := HostileResults(t)
		if len(rs) == 0 {
			return 0, errNoCorpus
		}
		n := 0
		for _, r := range rs {
			if r.Violation != "" {
				n++
			}
		}
		return float64(n), nil
	})
}

// HostileCrashes counts the cases after which the specimen did not answer
// GET /hello, plus one if it was not running at the end.
func HostileCrashes() Metric { return newMetric("hostile_crashes", "", hostileCrashes) }

// hostileCrashes counts the cases after which the specimen did not answer,
// and one more if it was not running at the end.
func hostileCrashes(t Trial) (float64, error) {
	rs := HostileResults(t)
	if len(rs) == 0 {
		return 0, errNoCorpus
	}
	n := 0
	for _, r := range rs {
		if !r.Alive {
			n++
		}
	}
	if !t.Exit.Running {
		n++
	}
	return float64(n), nil
}

// HostileAnswers sets out, per specimen, the cases, the answers the RFCs
// do not allow and the crashes; then, case by case, what each specimen
// answered.
type HostileAnswers struct{}

func (HostileAnswers) Figures(r Record) []Figure {
	peer := map[string]bool{}
	for _, p := range RobustPresets {
		peer[p.Arm] = p.Peer
	}
	sum := &Table{Columns: []string{"specimen", "cases", "answered as allowed", "not allowed", "crashes"}}
	every := &Table{Columns: []string{"case"}}
	rowOf := map[string]int{} // case, then its row in every
	for _, t := range r.Trials {
		name := trialName(r, t)
		every.Columns = append(every.Columns, name)
		col := len(every.Columns) - 1
		rs := HostileResults(t)
		var bad []string
		for _, c := range rs {
			i, ok := rowOf[c.Case]
			if !ok {
				i, rowOf[c.Case] = len(every.Rows), len(every.Rows)
				every.Rows = append(every.Rows, []Cell{Text(c.Case)})
			}
			for len(every.Rows[i]) <= col {
				every.Rows[i] = append(every.Rows[i], Cell{})
			}
			every.Rows[i][col] = Text(hostileAnswer(c)) // a case run twice: its last answer
			if c.Violation != "" {
				bad = append(bad, c.Case+": "+c.Violation)
			}
		}
		if peer[t.Arm] {
			name += " (peer: measured, not held to the rule)"
		}
		sum.Rows = append(sum.Rows, []Cell{Text(name), Text(fmt.Sprint(len(rs))), Text(fmt.Sprint(len(rs) - len(bad))),
			Text(strings.Join(bad, "; ")), Text(measured(HostileCrashes(), t).String())})
	}
	for i := range every.Rows {
		for len(every.Rows[i]) < len(every.Columns) {
			every.Rows[i] = append(every.Rows[i], Cell{})
		}
	}
	return []Figure{
		{Title: "Hostile cases, per specimen", Table: sum},
		{Title: "Every case, every specimen", Table: every, Folded: true,
			Desc: "The statuses it answered, how the connection ended (FIN, RST, open), ✗ where not allowed, † where it did not answer GET /hello after."},
	}
}

// hostileAnswer writes one case's outcome in a few characters: "400 FIN".
func hostileAnswer(c corpus.Result) string {
	var parts []string
	for _, s := range c.Statuses {
		parts = append(parts, fmt.Sprint(s))
	}
	switch {
	case c.Reset:
		parts = append(parts, "RST")
	case c.Closed:
		parts = append(parts, "FIN")
	case c.TimedOut:
		parts = append(parts, "open")
	}
	if len(parts) > 4 { // a hundred pipelined 200s
		parts = append(parts[:2], fmt.Sprintf("… (%d)", len(c.Statuses)), parts[len(parts)-1])
	}
	s := strings.Join(parts, " ")
	if c.Violation != "" {
		s += " ✗"
	}
	if !c.Alive {
		s += " †"
	}
	return s
}
