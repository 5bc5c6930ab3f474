package corpus

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Observation is what one case's connection showed, and the probe after
// it: plain data, judged by Judge, kept in the Result so that a verdict can
// be drawn again without rerunning.
type Observation struct {
	Replies []Reply `json:"replies,omitempty"`
	// Garbage is what came back that is not framed as a reply, quoted.
	Garbage  string `json:"garbage,omitempty"`
	Closed   bool   `json:"closed,omitempty"`    // read EOF: a clean FIN
	Reset    bool   `json:"reset,omitempty"`     // read ECONNRESET
	TimedOut bool   `json:"timed_out,omitempty"` // open still at the case's deadline
	// ReadError is any other read error, or a failed connect.
	ReadError string `json:"read_error,omitempty"`
	Sent      int64  `json:"sent"` // bytes of the input written
	// WriteError ends the input early: EPIPE or ECONNRESET once the server
	// has stopped reading, which is allowed wherever a close is.
	WriteError string        `json:"write_error,omitempty"`
	Deadline   time.Duration `json:"deadline_ns"`
	Duration   time.Duration `json:"duration_ns"` // from connect to the connection's end
	// Quiet is how long the connection lasted after the last byte came.
	Quiet time.Duration `json:"quiet_ns,omitempty"`
	Alive bool          `json:"alive"`
	// Probe says why the liveness probe failed.
	Probe string `json:"probe,omitempty"`
}

// Stall is how long a server may be silent between its last reply and its
// close before the requests it did not answer count as dropped: a server
// that closes after a reply does so at once, one that sat on requests it
// had read closes only when its idle timeout fires.
const Stall = 500 * time.Millisecond

// Judge says how o departs from what c allows; "" when it does not. Every
// departure is named, joined by "; ".
func Judge(c Case, o Observation) string {
	var v []string
	if !c.Expect.Nothing {
		v = append(v, judgeConnection(c, o)...)
	}
	if !o.Alive {
		v = append(v, "not alive after: "+o.Probe)
	}
	return strings.Join(v, "; ")
}

func judgeConnection(c Case, o Observation) []string {
	e := c.Expect
	var v []string
	if o.Garbage != "" {
		v = append(v, "bytes that are not a reply: "+o.Garbage)
	}
	if o.ReadError != "" {
		v = append(v, o.ReadError)
	}
	finals := Statuses(o.Replies)
	if len(finals) == 0 {
		switch {
		case o.TimedOut:
			v = append(v, fmt.Sprintf("no reply and no close within %v", o.Deadline))
		case o.Reset && !(e.Silent && e.Reset):
			v = append(v, "reset with no reply")
		case o.Closed && !e.Silent:
			v = append(v, "closed with no reply")
		}
		return v
	}
	if c.Malformed && finals[0]/100 == 2 {
		v = append(v, fmt.Sprintf("%d to a malformed request", finals[0]))
	} else if !slices.Contains(e.Statuses, finals[0]) {
		v = append(v, fmt.Sprintf("replied %d, want %s", finals[0], e.Allowed()))
	}
	if later := finals[1:]; len(later) > 0 && len(e.Then) == 0 {
		v = append(v, fmt.Sprintf("%d replies to one request: %v", len(finals), finals))
	} else {
		for i, s := range later {
			if !slices.Contains(e.Then, s) {
				v = append(v, fmt.Sprintf("reply %d is %d, want %s", i+2, s, codes(e.Then)))
				break
			}
		}
	}
	owed := max(e.Requests, 1)
	switch {
	case o.TimedOut && len(finals) < owed:
		v = append(v, fmt.Sprintf("%d of %d replies, then neither a reply nor a close within %v", len(finals), owed, o.Deadline))
	case len(finals) < owed && o.Quiet >= Stall:
		v = append(v, fmt.Sprintf("%d of %d replies, then %v of silence before the close: requests it had "+
			"were dropped, not answered in order (RFC 9112 §9.3.2)", len(finals), owed, o.Quiet.Round(time.Millisecond)))
	case o.TimedOut && e.Close:
		v = append(v, fmt.Sprintf("still open %v after the reply; the server must close", o.Deadline))
	case o.Reset && !e.Reset:
		v = append(v, "reset after the reply: RFC 9112 §9.6 asks for a staged close (FIN, then drain), "+
			"or the reset may destroy the reply")
	}
	for _, r := range o.Replies {
		if r.Status == 405 && r.Allow == "" {
			v = append(v, "405 without Allow: RFC 9110 §15.5.6 says MUST")
			break
		}
	}
	if e.Check != nil {
		if s := e.Check(o.Replies); s != "" {
			v = append(v, s)
		}
	}
	return v
}
