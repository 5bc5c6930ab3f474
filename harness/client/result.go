package client

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Outcome is what became of one connection.
type Outcome string

// The outcomes, in the words of the lessons.
const (
	Replied     Outcome = "replied"           // a reply, then EOF
	NoEOF       Outcome = "reply-without-eof" // a reply, but the connection stayed open until the timeout (3d)
	Refused     Outcome = "refused"           // connect: ECONNREFUSED, nobody listening
	Reset       Outcome = "reset"             // ECONNRESET or EPIPE: the server's end went away
	TimedOut    Outcome = "timed-out"         // no connection or no reply within the timeout
	ClosedEmpty Outcome = "closed-no-reply"   // EOF before any byte of a reply
	Failed      Outcome = "failed"            // anything else, e.g. the client's own EMFILE
	Held        Outcome = "held"              // kept open as asked (Hold), with no reply: a stalled client
)

// Outcomes lists every outcome in display order.
var Outcomes = []Outcome{Replied, NoEOF, Held, Refused, Reset, TimedOut, ClosedEmpty, Failed}

// Result is one connection's record. Durations are from Start.
type Result struct {
	Client    int           `json:"client"`
	Conn      int           `json:"conn"`
	Outcome   Outcome       `json:"outcome"`
	Start     time.Time     `json:"start"`
	Connect   time.Duration `json:"connect_ns,omitempty"`    // TCP handshake done
	FirstByte time.Duration `json:"first_byte_ns,omitempty"` // first reply byte
	Done      time.Duration `json:"done_ns"`                 // EOF, error or timeout
	Status    int           `json:"status,omitempty"`
	// EOF says whether the server closed the connection: the seed's reply
	// ends there, an HTTP/1.1 reply by its length, before any EOF.
	EOF bool `json:"eof,omitempty"`
	// LocalPort is the client's end: the specimen's socket of this
	// connection is the one whose remote port it is.
	LocalPort int    `json:"local_port,omitempty"`
	Reply     string `json:"reply,omitempty"` // raw bytes, bounded
	Error     string `json:"error,omitempty"`
}

// KeptOpen says whether the connection got its reply (or was held as
// asked) and the server had not closed it when the client let go.
func (r Result) KeptOpen() bool { return (r.Outcome == Replied || r.Outcome == Held) && !r.EOF }

// Summary counts outcomes.
type Summary struct {
	Total     int `json:"total"`
	Connected int `json:"connected"` // handshakes that completed
	// KeptOpen counts the connections that got their reply (or were held
	// as asked) and that the server had not closed when the client let go:
	// the idle connections a server held.
	KeptOpen int             `json:"kept_open"`
	Outcomes map[Outcome]int `json:"outcomes"`
	Statuses map[int]int     `json:"statuses"`
	Slowest  time.Duration   `json:"slowest_ns"`
}

// Summarize counts a run's results.
func Summarize(results []Result) Summary {
	s := Summary{Outcomes: map[Outcome]int{}, Statuses: map[int]int{}}
	for _, r := range results {
		s.Total++
		if r.Connect > 0 {
			s.Connected++
		}
		if r.KeptOpen() {
			s.KeptOpen++
		}
		s.Outcomes[r.Outcome]++
		if r.Status != 0 {
			s.Statuses[r.Status]++
		}
		if r.Done > s.Slowest {
			s.Slowest = r.Done
		}
	}
	return s
}

// WriteText prints the summary for a person.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d connections\n", s.Total)
	for _, o := range Outcomes {
		if n := s.Outcomes[o]; n > 0 {
			fmt.Fprintf(&b, "  %-18s %d\n", o, n)
		}
	}
	var codes []int
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(&b, "  status %-11d %d\n", c, s.Statuses[c])
	}
	fmt.Fprintf(&b, "  slowest            %v\n", s.Slowest.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}
