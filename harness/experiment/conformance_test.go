package experiment

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

func TestConformance(t *testing.T) {
	// The steps of a good hello trial, in order: hello-1, hello-2,
	// not-found, bad-request.
	const hello1, hello2, notFound, badRequest = 0, 1, 2, 3
	tests := []struct {
		name   string
		step   int                  // the step changed
		change func(*client.Result) // nil: the step is left out
		want   []string
	}{
		// Four good replies.
		{"conforming", hello1, func(*client.Result) {}, nil},
		// A reply without EOF (3d) is still checked, and passes.
		{"no EOF", hello1, func(r *client.Result) { r.Outcome = client.NoEOF }, nil},
		// A Date an hour behind the moment the reply came.
		{"stale Date", hello1, func(r *client.Result) { r.Start = r.Start.Add(time.Hour) },
			[]string{`hello-1: Date "` + date1 + `" is 1h0m0.002s away from when the reply came`}},
		{"wrong status", hello1, func(r *client.Result) { r.Reply = httpReply(500, date1, catalogue.HelloBody) },
			[]string{"hello-1: status 500, want 200"}},
		{"no Content-Type", hello2, func(r *client.Result) {
			r.Reply = strings.Replace(r.Reply, "Content-Type: text/plain; charset=utf-8\r\n", "", 1)
		}, []string{`hello-2: Content-Type "", want text/plain`}},
		{"Content-Length mismatch", hello1, func(r *client.Result) {
			r.Reply = strings.Replace(r.Reply, "Content-Length: 14", "Content-Length: 13", 1)
		}, []string{`hello-1: Content-Length "13" but a body of 14 bytes`}},
		// The 404 reply is checked for its length too.
		{"404 Content-Length mismatch", notFound, func(r *client.Result) {
			r.Reply = strings.Replace(r.Reply, "Content-Length: 10", "Content-Length: x", 1)
		}, []string{`not-found: Content-Length "x" but a body of 10 bytes`}},
		{"no Server", hello1, func(r *client.Result) {
			r.Reply = strings.Replace(r.Reply, "Server: serverlab-forking\r\n", "", 1)
		}, []string{"hello-1: no Server header"}},
		// RFC 850 is an HTTP date, but not the preferred one.
		{"bad Date", hello2, func(r *client.Result) {
			r.Reply = strings.Replace(r.Reply, date2, "Thursday, 26-Nov-26 02:41:52 GMT", 1)
		}, []string{`hello-2: Date "Thursday, 26-Nov-26 02:41:52 GMT" is not an IMF-fixdate`}},
		{"Date in UTC", hello2, func(r *client.Result) {
			r.Reply = strings.Replace(r.Reply, date2, strings.Replace(date2, "GMT", "UTC", 1), 1)
		}, []string{`hello-2: Date "Thu, 26 Nov 2026 02:41:52 UTC" is not an IMF-fixdate`}},
		// A Date frozen at the first reply's, as if it came at once (no skew).
		{"same Date twice", hello2, func(r *client.Result) {
			r.Reply, r.Start = httpReply(200, date1, catalogue.HelloBody), r.Start.Add(-2*time.Second)
		},
			[]string{`Date "` + date1 + `" did not change between hello-1 and hello-2`}},
		// Same length, so only the body differs.
		{"wrong body", hello1, func(r *client.Result) { r.Reply = httpReply(200, date1, "Hello, World?\n") },
			[]string{`hello-1: body "Hello, World?\n", want "Hello, World!\n"`}},
		{"LF-only header lines", badRequest, func(r *client.Result) {
			r.Reply = strings.ReplaceAll(r.Reply, "\r\n", "\n")
		}, []string{"bad-request: header lines do not end in CRLF"}},
		{"404 step gives 200", notFound, func(r *client.Result) { r.Reply = httpReply(200, date2, "Not Found\n") },
			[]string{"not-found: status 200, want 404"}},
		{"400 step gives 200", badRequest, func(r *client.Result) { r.Reply = httpReply(200, date2, "Bad Request\n") },
			[]string{"bad-request: status 200, want 400"}},
		{"a step missing", notFound, nil, []string{"not-found: no step"}},
		{"a timed-out step", hello2, func(r *client.Result) {
			r.Outcome, r.Reply, r.Error = client.TimedOut, "", "i/o timeout"
		}, []string{"hello-2: outcome timed-out (i/o timeout)"}},
		{"an unparsable reply", badRequest, func(r *client.Result) { r.Reply = "HELLO THERE\r\n\r\n" },
			[]string{`bad-request: parse reply: status line "HELLO THERE"`}},
	}
	for _, tt := range tests {
		tr := fake("forking").hello(date1, date2).Trial
		if tt.change == nil {
			tr.Steps = slices.Delete(tr.Steps, tt.step, tt.step+1)
		} else {
			tt.change(&tr.Steps[tt.step].Clients[0])
		}
		if got := Conformance(tr); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestConformanceNoConnection: a step that made no connection fails as such.
func TestConformanceNoConnection(t *testing.T) {
	tr := fake("forking").hello(date1, date2).Trial
	tr.Steps[3].Clients = nil
	want := []string{"bad-request: no connection"}
	if got := Conformance(tr); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSeedConformance(t *testing.T) {
	seed := fake("forking").seedHello()
	tests := []struct {
		name   string
		change func(r *client.Result)
		fails  int
	}{
		// the article's bytes, then EOF
		{"as the article", func(*client.Result) {}, 0},
		// the reply, but the parent keeps the socket: 3d's lesson, still the right bytes
		{"no EOF", func(r *client.Result) { r.Outcome, r.EOF = client.NoEOF, false }, 0},
		// an HTTP/1.1 reply is not the seed's
		{"http reply", func(r *client.Result) { r.Reply = httpReply(200, date1, catalogue.HelloBody) }, 1},
		// CRLF where the article's source has bare LF
		{"crlf", func(r *client.Result) { r.Reply = "HTTP/1.1 200 OK\r\n\r\nHello, World!\r\n" }, 1},
		// nothing came back
		{"closed", func(r *client.Result) { r.Outcome, r.Reply = client.ClosedEmpty, "" }, 1},
	}
	for _, tt := range tests {
		f := seed
		f.Steps = append([]Observation(nil), f.Steps...)
		last := &f.Steps[len(f.Steps)-1]
		last.Clients = append([]client.Result(nil), last.Clients...)
		tt.change(&last.Clients[0])
		f.Wire = catalogue.WireSeed
		if got := Conformance(f.Trial); len(got) != tt.fails {
			t.Errorf("%s: got %d failures %q, want %d", tt.name, len(got), got, tt.fails)
		}
	}
}
