package corpus

import (
	"strings"
	"testing"
	"time"
)

// TestJudge judges recorded observations against cases' expectations, each
// row one way to pass or to fail.
func TestJudge(t *testing.T) {
	malformed := Case{Name: "m", Malformed: true, Expect: Expect{Statuses: []int{400}, Silent: true}}
	strict := Case{Name: "s", Malformed: true, Expect: Expect{Statuses: []int{400}}}
	valid := Case{Name: "v", Expect: Expect{Statuses: []int{200}, Close: true}}
	large := Case{Name: "l", Expect: Expect{Statuses: []int{413}, Silent: true, Reset: true}}
	piped := Case{Name: "p", Expect: Expect{Statuses: []int{200}, Then: []int{200}, Requests: 3, Reset: true}}
	limit := Case{Name: "f", Expect: Expect{Statuses: []int{431}, Reset: true}}
	abort := Case{Name: "a", Expect: Expect{Nothing: true}}
	replies := func(codes ...int) []Reply {
		var rs []Reply
		for _, c := range codes {
			rs = append(rs, Reply{Status: c, Allow: "GET, HEAD"})
		}
		return rs
	}
	const d = 4 * time.Second
	tests := []struct {
		name string
		c    Case
		o    Observation
		want string // a part of the violation; "" for none
	}{
		// the allowed reply, then a FIN
		{"400 then fin", malformed, Observation{Replies: replies(400), Closed: true, Alive: true}, ""},
		// a clean close is allowed where Silent says so...
		{"fin, no reply, silent ok", malformed, Observation{Closed: true, Alive: true}, ""},
		// ...and only there
		{"fin, no reply", strict, Observation{Closed: true, Alive: true}, "closed with no reply"},
		// the bug the corpus is for: a 2xx to a malformed request
		{"200 to garbage", malformed, Observation{Replies: replies(200), Closed: true, Alive: true}, "200 to a malformed request"},
		// another status than the allowed ones
		{"wrong status", strict, Observation{Replies: replies(404), Closed: true, Alive: true}, "replied 404, want 400"},
		// nothing at all before the deadline: a hang
		{"hang", malformed, Observation{TimedOut: true, Deadline: d, Alive: true}, "no reply and no close within 4s"},
		// a reset with no reply, allowed only for large inputs that may be cut short
		{"reset, no reply", malformed, Observation{Reset: true, Alive: true}, "reset with no reply"},
		{"reset, no reply, large", large, Observation{Reset: true, Alive: true}, ""},
		// a reset after the reply: allowed for large inputs...
		{"reply then reset, large", large, Observation{Replies: replies(413), Reset: true, Alive: true}, ""},
		// ...but elsewhere a server must close in stages
		{"reply then reset", strict, Observation{Replies: replies(400), Reset: true, Alive: true}, "staged close"},
		// 431 must come, even for a large input
		{"limit, no reply", limit, Observation{Reset: true, Alive: true}, "reset with no reply"},
		// Connection: close must close
		{"kept open", valid, Observation{Replies: replies(200), TimedOut: true, Deadline: d, Alive: true}, "the server must close"},
		{"closed", valid, Observation{Replies: replies(200), Closed: true, Alive: true}, ""},
		// one request, two replies
		{"two replies", strict, Observation{Replies: replies(400, 400), Closed: true, Alive: true}, "2 replies to one request"},
		// interim replies are not judged
		{"100 continue first", valid, Observation{Replies: replies(100, 200), Closed: true, Alive: true}, ""},
		// pipelining: every reply, or fewer and a prompt close
		{"all pipelined", piped, Observation{Replies: replies(200, 200, 200), Closed: true, Alive: true}, ""},
		{"close after one", piped, Observation{Replies: replies(200), Closed: true, Quiet: time.Millisecond, Alive: true}, ""},
		{"a non-200 among them", piped, Observation{Replies: replies(200, 404, 200), Closed: true, Alive: true}, "reply 2 is 404"},
		{"stalled then closed", piped, Observation{Replies: replies(200), Closed: true, Quiet: 2 * time.Second, Alive: true}, "1 of 3 replies, then 2s of silence"},
		{"stalled, open", piped, Observation{Replies: replies(200, 200), TimedOut: true, Deadline: d, Alive: true}, "2 of 3 replies, then neither"},
		// bytes that are not a reply
		{"garbage back", strict, Observation{Garbage: `"HTTP/9"`, Closed: true, Alive: true}, "not a reply"},
		// the server died
		{"dead after", malformed, Observation{Replies: replies(400), Closed: true, Probe: "connect: refused"}, "not alive after: connect: refused"},
		// an abort judges liveness only
		{"abort, alive", abort, Observation{Alive: true}, ""},
		{"abort, dead", abort, Observation{Probe: "read: EOF"}, "not alive"},
		// a 405 must say what is allowed
		{"405 without Allow", Case{Expect: Expect{Statuses: []int{405}}}, Observation{Replies: []Reply{{Status: 405}}, Closed: true, Alive: true}, "405 without Allow"},
		// a failed connect is named
		{"no connect", strict, Observation{ReadError: "connect: refused", Probe: "connect: refused"}, "connect: refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Judge(tt.c, tt.o)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("got violation %q, want none", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("got violation %q, want one naming %q", got, tt.want)
			}
		})
	}
}

// TestAllowed: the outcome sets read as a person would say them.
func TestAllowed(t *testing.T) {
	tests := []struct {
		e    Expect
		want string
	}{
		{Expect{Statuses: []int{400}, Silent: true}, "400 or FIN"},
		{Expect{Statuses: []int{200, 400}, Close: true}, "200|400; then close"},
		{Expect{Statuses: []int{414}, Silent: true, Reset: true}, "414 or FIN (RST allowed)"},
		{Expect{Statuses: []int{200}, Then: []int{400}, Requests: 2}, "200, then 400 or a close"},
		{Expect{Statuses: []int{200}, Then: []int{200}, Requests: 100}, "200, then 200 to each of 99 more (fewer if it closes)"},
		{Expect{Nothing: true}, "no reply needed, alive after"},
	}
	for _, tt := range tests {
		if got := tt.e.Allowed(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
