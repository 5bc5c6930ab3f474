// Package corpus is the lab's hostile-input corpus: requests that are
// malformed, oversized, slow, pipelined or cut short, each sent to a
// specimen on its own connection, with the outcomes RFC 9110 and RFC 9112
// allow in answer. A run reads every reply the server sends, records how
// the connection ended (a clean FIN, a reset, or nothing before the case's
// deadline), judges that against the case, and then checks that the
// specimen still answers a plain GET with 200.
//
// Cases past a size limit (8 KB request line, 10 000 fields, a 9 KB field,
// a body over 1 MiB) assume the lab's limits, servers/c/http.h: RFC 9112
// lets a server choose larger ones, and such a server would serve them.
package corpus

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Way is how a case's input goes out on its connection.
type Way string

// The ways.
const (
	Whole     Way = "whole"      // one write
	Bytewise  Way = "bytewise"   // one byte per write, a millisecond apart
	HalfClose Way = "half-close" // one write, then shutdown(SHUT_WR): the server reads EOF
	Abort     Way = "abort"      // one write, then SO_LINGER 0 and close: an RST, nothing read
	Trickle   Way = "trickle"    // one write, then a field line every Options.Trickle, never the end
	Silent    Way = "silent"     // nothing at all
)

// Case is one hostile input and what the RFCs allow in answer.
type Case struct {
	Name string `json:"name"`
	// Sends says in a few words what goes out.
	Sends string `json:"sends"`
	Way   Way    `json:"way"`
	// Input makes the bytes to send. Large inputs are generated here, on
	// demand, never stored.
	Input func() []byte `json:"-"`
	// Malformed says the request breaks the grammar and the RFC gives the
	// server no way to repair it: no 2xx may answer it.
	Malformed bool `json:"malformed,omitempty"`
	// Slow cases wait on the server's idle timeout: their deadline is
	// Options.Idle plus Options.Margin, not Options.Timeout.
	Slow   bool   `json:"slow,omitempty"`
	Expect Expect `json:"expect"`
	// RFC is the section that decides the outcome and why, e.g.
	// "RFC 9112 §5.1: MUST 400 for whitespace before the colon".
	RFC string `json:"rfc"`
}

// Expect is the set of outcomes a case allows.
type Expect struct {
	// Statuses are those allowed for the first final reply (1xx replies
	// are interim and not judged).
	Statuses []int `json:"statuses,omitempty"`
	// Then are those allowed for every final reply after the first; none
	// may follow when it is empty.
	Then []int `json:"then,omitempty"`
	// Requests is how many replies a server that keeps the connection owes:
	// fewer is allowed only if it closed the connection after the last.
	Requests int `json:"requests,omitempty"`
	// Silent allows a clean close (FIN) without any reply.
	Silent bool `json:"silent,omitempty"`
	// Reset allows a reset (ECONNRESET) in place of the FIN, with or
	// without a reply: the input is large, and a server may close while
	// it is still coming.
	Reset bool `json:"reset,omitempty"`
	// Close says the server must close the connection after its reply
	// (Connection: close, a half-close, or RFC 9112 §6.1 and §6.3).
	Close bool `json:"close,omitempty"`
	// Head says the replies answer HEAD: they carry no content.
	Head bool `json:"head,omitempty"`
	// Nothing says nothing is read: the case only checks the server lives on.
	Nothing bool `json:"nothing,omitempty"`
	// Check, when set, judges the replies further (a 405's Allow field).
	Check func([]Reply) string `json:"-"`
}

// Allowed describes the allowed outcomes for a person, e.g. "400 or FIN".
func (e Expect) Allowed() string {
	if e.Nothing {
		return "no reply needed, alive after"
	}
	var parts []string
	if len(e.Statuses) > 0 {
		s := codes(e.Statuses)
		switch more := e.Requests - 1; {
		case len(e.Then) > 0 && more == 1:
			s += ", then " + codes(e.Then) + " or a close"
		case len(e.Then) > 0:
			s += fmt.Sprintf(", then %s to each of %d more (fewer if it closes)", codes(e.Then), more)
		}
		parts = append(parts, s)
	}
	if e.Silent {
		parts = append(parts, "FIN")
	}
	s := strings.Join(parts, " or ")
	if e.Reset {
		s += " (RST allowed)"
	}
	if e.Close {
		s += "; then close"
	}
	return s
}

func codes(cs []int) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, "|")
}

// Deadline is how long the case's connection may last.
func (c Case) Deadline(o Options) time.Duration {
	if c.Slow {
		return o.Idle + o.Margin
	}
	return o.Timeout
}

// Select returns the cases named, in the order given; an unknown name is
// an error that lists the known ones.
func Select(cases []Case, names []string) ([]Case, error) {
	var out []Case
	for _, n := range names {
		i := slices.IndexFunc(cases, func(c Case) bool { return c.Name == n })
		if i < 0 {
			known := make([]string, len(cases))
			for j, c := range cases {
				known[j] = c.Name
			}
			return nil, fmt.Errorf("no case %q; the cases are %s", n, strings.Join(known, ", "))
		}
		out = append(out, cases[i])
	}
	return out, nil
}
