package load

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	const url = "http://127.0.0.1:8080/hello"
	lab := func(host string) bool { return host == "specimen-3c" }
	tests := []struct {
		name   string
		target string
		opts   []Option
		want   string // a word the error must hold; "" for no error
	}{
		// the defaults on loopback
		{"defaults", url, nil, ""},
		// every loopback spelling
		{"localhost", "http://localhost:8080/", nil, ""},
		{"127/8", "http://127.1.2.3/", nil, ""},
		{"::1", "http://[::1]:8080/", nil, ""},
		// a query is part of the request target
		{"query", url + "?x=1", nil, ""},
		// the bounds themselves are allowed
		{"at the bounds", url, []Option{WithConnections(MaxConnections), WithDuration(MaxDuration),
			WithRequests(MaxRequests), WithPipeline(MaxPipeline), WithRate(MaxRate), WithTimeout(MaxTimeout)}, ""},
		// each bad option is named
		{"no connections", url, []Option{WithConnections(0)}, "connections"},
		{"too many connections", url, []Option{WithConnections(MaxConnections + 1)}, "connections"},
		{"no duration", url, []Option{WithDuration(0)}, "duration"},
		{"too long", url, []Option{WithDuration(MaxDuration + time.Second)}, "duration"},
		{"negative requests", url, []Option{WithRequests(-1)}, "requests"},
		{"too many requests", url, []Option{WithRequests(MaxRequests + 1)}, "requests"},
		{"no pipeline", url, []Option{WithPipeline(0)}, "pipeline"},
		{"deep pipeline", url, []Option{WithPipeline(MaxPipeline + 1)}, "pipeline"},
		{"pipeline without keepalive", url, []Option{WithPipeline(2), WithKeepAlive(false)}, "pipeline"},
		{"negative rate", url, []Option{WithRate(-1)}, "rate"},
		{"NaN rate", url, []Option{WithRate(math.NaN())}, "rate"},
		{"too fast", url, []Option{WithRate(MaxRate * 2)}, "rate"},
		{"no timeout", url, []Option{WithTimeout(0)}, "timeout"},
		{"long timeout", url, []Option{WithTimeout(MaxTimeout + time.Second)}, "timeout"},
		{"progress every 0", url, []Option{WithProgress(0, func(Progress) {})}, "progress"},
		// targets
		{"https", "https://127.0.0.1/", nil, "scheme"},
		{"no scheme", "127.0.0.1:8080", nil, "target"},
		{"no host", "http:///hello", nil, "no host"},
		{"port 0", "http://127.0.0.1:0/", nil, "port"},
		{"port too big", "http://127.0.0.1:70000/", nil, "port"},
		// outside loopback, refused by default
		{"private address", "http://10.0.0.1/", nil, "outside loopback"},
		{"a name", "http://example.com/", nil, "outside loopback"},
		{"localhost lookalike", "http://localhost.example.com/", nil, "outside loopback"},
		// an allow function lets the lab's containers in, and only them
		{"allowed", "http://specimen-3c:8888/", []Option{WithAllow(lab)}, ""},
		{"not allowed", "http://10.0.0.1/", []Option{WithAllow(lab)}, "outside loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewOptions(tt.target, tt.opts...).Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

// TestRunRefusesOutsideLoopback checks that Run dials nothing it may not:
// 192.0.2.1 (TEST-NET-1) would time out, not fail at once, if dialled.
func TestRunRefusesOutsideLoopback(t *testing.T) {
	start := time.Now()
	res, err := Run(context.Background(), "http://192.0.2.1:80/", WithDuration(5*time.Second))
	if err == nil || !strings.Contains(err.Error(), "outside loopback") {
		t.Errorf("got %v, want an error saying outside loopback", err)
	}
	if res.Requests != 0 || res.Errs() != 0 {
		t.Errorf("got %d requests and %d errors, want none: nothing may be dialled", res.Requests, res.Errs())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v: it waited for something", d)
	}
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name   string
		target string
		opts   []Option
		want   string
	}{
		// one GET with the URL's host and port
		{"keepalive", "http://127.0.0.1:8080/hello?x=1", nil,
			"GET /hello?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"},
		// no path is /
		{"root", "http://localhost", nil, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"},
		// keepalive off asks the server to close
		{"close", "http://[::1]:80/", []Option{WithKeepAlive(false)},
			"GET / HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n"},
		// pipelining repeats the request
		{"pipeline", "http://127.0.0.1/", []Option{WithPipeline(3)},
			strings.Repeat("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOptions(tt.target, tt.opts...)
			e, err := o.endpoint()
			if err != nil {
				t.Fatal(err)
			}
			if got := string(o.request(e)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDue(t *testing.T) {
	// 4 connections at 1000 req/s: one request every ms overall, each
	// connection every 4 ms, connection i offset by i ms.
	g := &generator{o: NewOptions("", WithConnections(4), WithRate(1000))}
	tests := []struct {
		conn  int
		round int64
		want  time.Duration
	}{
		{0, 0, 0},                                // the first request leaves at the start
		{1, 0, time.Millisecond},                 // the next one a millisecond later, on the next connection
		{3, 0, 3 * time.Millisecond},             // and so on
		{0, 1, 4 * time.Millisecond},             // then back to the first connection
		{2, 250, (2 + 250*4) * time.Millisecond}, // a second later
	}
	for _, tt := range tests {
		if got := g.due(tt.conn, tt.round); got != tt.want {
			t.Errorf("due(%d, %d): got %v, want %v", tt.conn, tt.round, got, tt.want)
		}
	}
	// Pipelining sends rounds of 2: rounds are due half as often.
	g.o.Pipeline = 2
	if got, want := g.due(1, 0), 2*time.Millisecond; got != want {
		t.Errorf("pipeline 2, due(1, 0): got %v, want %v", got, want)
	}
}
