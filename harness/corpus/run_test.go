package corpus

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quick are options that keep these tests short: the fake servers below
// answer at once or never.
func quick(port int) []Option {
	return []Option{WithTarget("127.0.0.1", port), WithTimeout(500 * time.Millisecond),
		WithIdle(300 * time.Millisecond), WithMargin(200 * time.Millisecond),
		WithTrickle(50 * time.Millisecond), WithProbe(time.Second)}
}

const ok200 = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n"

// fake serves loopback connections: the liveness probe gets 200, every
// other connection what handle does with the bytes that came first.
func fake(t *testing.T, handle func(c *net.TCPConn, first []byte)) int {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				first := readHead(c)
				if string(first) == Probe {
					io.WriteString(c, ok200)
					return
				}
				handle(c.(*net.TCPConn), first)
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// readHead reads until a header section ends or 100 ms pass in silence.
func readHead(c net.Conn) []byte {
	var got []byte
	buf := make([]byte, 64<<10)
	for !bytes.Contains(got, []byte("\r\n\r\n")) {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	c.SetReadDeadline(time.Time{})
	return got
}

// one runs the case named against port.
func one(t *testing.T, port int, name string) Result {
	t.Helper()
	cs, err := Select(Cases(), []string{name})
	if err != nil {
		t.Fatal(err)
	}
	results, err := Run(context.Background(), cs, quick(port)...)
	if err != nil {
		t.Fatal(err)
	}
	var got []Result
	for r := range results {
		got = append(got, r)
	}
	if len(got) != 1 {
		t.Fatalf("got %d results, want 1", len(got))
	}
	return got[0]
}

// TestRunClassifies runs cases against servers that misbehave in one way
// each: the run must see how, and the verdict must say so.
func TestRunClassifies(t *testing.T) {
	// A conformant server: 400, then a staged close.
	refuser := func(c *net.TCPConn, _ []byte) {
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		c.CloseWrite()
		readHead(c)
	}
	yesMan := func(c *net.TCPConn, _ []byte) { io.WriteString(c, ok200) }
	resetter := func(c *net.TCPConn, _ []byte) { c.SetLinger(0) }
	hanger := func(c *net.TCPConn, _ []byte) { io.Copy(io.Discard, c) }
	tests := []struct {
		name    string
		handle  func(*net.TCPConn, []byte)
		cas     string
		check   func(Result) bool
		outcome string // what check looks for, for the message
		want    string // a part of the violation; "" for none
	}{
		{"400 to a bad field", refuser, "field-no-colon",
			func(r Result) bool { return r.Closed && len(r.Statuses) == 1 && r.Statuses[0] == 400 }, "400, fin", ""},
		{"200 to garbage", yesMan, "nul-in-target",
			func(r Result) bool { return r.Closed && r.Statuses[0] == 200 }, "200, fin", "200 to a malformed request"},
		{"200 to HEAD, with content", yesMan, "head-hello",
			func(r Result) bool { return r.Garbage != "" }, "garbage", "not a reply"},
		{"reset", resetter, "space-before-colon",
			func(r Result) bool { return r.Reset && len(r.Statuses) == 0 }, "reset", "reset with no reply"},
		{"hang", hanger, "two-hosts",
			func(r Result) bool { return r.TimedOut && r.Duration >= 500*time.Millisecond }, "timed out at 500ms", "no reply and no close within 500ms"},
		// the slowloris client trickles until its deadline, the idle
		// timeout plus the margin, and the run stays bounded
		{"slowloris held", hanger, "slowloris",
			func(r Result) bool { return r.TimedOut && r.Duration >= 500*time.Millisecond && r.Sent > 40 },
			"timed out at 500ms, having trickled", "no reply and no close within 500ms"},
		{"half-close read", func(c *net.TCPConn, first []byte) {
			if string(first) == "GET /hello HTTP/1.1" { // all of it, then EOF
				c.CloseWrite()
			}
		}, "no-line-end", func(r Result) bool { return r.Closed && len(r.Statuses) == 0 }, "fin", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := one(t, fake(t, tt.handle), tt.cas)
			if !tt.check(r) {
				t.Errorf("got %+v, want %s", r, tt.outcome)
			}
			switch {
			case tt.want == "" && r.Violation != "":
				t.Errorf("got violation %q, want none", r.Violation)
			case tt.want != "" && !strings.Contains(r.Violation, tt.want):
				t.Errorf("got violation %q, want one naming %q", r.Violation, tt.want)
			}
			if !r.Alive {
				t.Errorf("not alive: %s", r.Probe)
			}
		})
	}
}

// TestRunDead: a server that dies of a case is not alive after it.
func TestRunDead(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := l.Accept()
		if err == nil {
			c.Close()
		}
		l.Close() // crashed
	}()
	r := one(t, l.Addr().(*net.TCPAddr).Port, "fields-10000")
	if r.Alive || !strings.Contains(r.Violation, "not alive after: connect") {
		t.Errorf("got alive %v, violation %q; want not alive, named", r.Alive, r.Violation)
	}
}

// TestRunAbort: the client's own reset reads nothing; the server sees the
// reset and only has to live on.
func TestRunAbort(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	seen := make(chan error, 1)
	go func() {
		for n := 0; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if n == 0 { // the case's connection
				_, err := io.Copy(io.Discard, c)
				seen <- err
			} else { // the probe
				readHead(c)
				io.WriteString(c, ok200)
			}
			c.Close()
		}
	}()
	r := one(t, l.Addr().(*net.TCPAddr).Port, "reset-mid-request")
	if r.Violation != "" || r.End() != "-" || r.Sent == 0 {
		t.Errorf("got %+v, want no violation, nothing read, the input sent", r)
	}
	select {
	case err := <-seen:
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("the server read %v, want ECONNRESET", err)
		}
	case <-time.After(time.Second):
		t.Error("the server saw no end of the connection")
	}
}

// TestRunBounded: a run of hanging cases ends when its context does, and
// options that cannot make a run are refused before any dial.
func TestRunBounded(t *testing.T) {
	port := fake(t, func(c *net.TCPConn, _ []byte) { io.Copy(io.Discard, c) })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	results, err := Run(ctx, Cases(), quick(port)...)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n := 0
	for range results {
		n++
	}
	if took := time.Since(start); took > 2*time.Second || n >= len(Cases()) {
		t.Errorf("%d results in %v after a 300ms context, want the run cut short", n, took)
	}
	if _, err := Run(context.Background(), Cases(), WithTarget("192.0.2.1", 80)); err == nil {
		t.Error("ran against another machine, want an error")
	}
	if _, err := Run(context.Background(), []Case{{Name: "empty", Way: Whole}}); err == nil {
		t.Error("ran a case without input, want an error")
	}
}
