package load_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/serverlab/serverlab/harness/load"
)

// ok is the reply of the test servers: nginx's, less the noise.
const ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nHello, World!\n"

// serve runs handle for every connection to a fresh 127.0.0.1 listener and
// returns its URL. Cleanup closes the listener and every connection, and
// waits for the handlers.
func serve(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String() + "/hello"
}

// server answers HTTP/1.1 requests one after another on each connection.
type server struct {
	reply    string
	conns    atomic.Int64
	requests atomic.Int64
	closes   atomic.Int64 // requests that asked for Connection: close
	// before, if set, runs before request n (from 1) is answered.
	before func(n int64)
	// batch answers only once this many requests have come: a client that
	// does not pipeline that deep waits forever.
	batch int
}

func (s *server) handle(c net.Conn) {
	s.conns.Add(1)
	r := bufio.NewReader(c)
	pending := 0
	for {
		closing := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.EqualFold(strings.TrimSpace(line), "Connection: close") {
				closing = true
			}
			if line == "\r\n" {
				break
			}
		}
		n := s.requests.Add(1)
		if s.before != nil {
			s.before(n)
		}
		pending++
		if pending < s.batch {
			continue
		}
		if closing {
			// Counted before the reply: once the last reply is written the
			// run may end, and the test read the count, before this
			// goroutine ran again (199 of 200 once, on a busy machine).
			s.closes.Add(1)
		}
		if _, err := c.Write([]byte(strings.Repeat(s.reply, pending))); err != nil {
			return
		}
		pending = 0
		if closing {
			return
		}
	}
}

// closedPort returns a 127.0.0.1 URL nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	return url
}

func run(t *testing.T, url string, opts ...load.Option) load.Result {
	t.Helper()
	res, err := load.Run(context.Background(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestClosedModel(t *testing.T) {
	tests := []struct {
		name      string
		opts      []load.Option
		wantConns int64 // connections the server saw
		wantClose int64 // requests that asked it to close
	}{
		// keep-alive: one connection each, all requests on them
		{"keepalive", []load.Option{load.WithConnections(4)}, 4, 0},
		// keep-alive off: a connection per request, each asking to close
		{"keepalive off", []load.Option{load.WithConnections(4), load.WithKeepAlive(false)}, 200, 200},
		// pipelined 4 deep against a server that answers only 4 at a time
		{"pipeline", []load.Option{load.WithConnections(2), load.WithPipeline(4)}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &server{reply: ok, batch: 1}
			if tt.name == "pipeline" {
				s.batch = 4
			}
			url := serve(t, s.handle)
			opts := append([]load.Option{load.WithRequests(200), load.WithTimeout(time.Second)}, tt.opts...)
			res := run(t, url, opts...)
			if got, want := res.Requests, int64(200); got != want {
				t.Errorf("got %d requests, want %d (errors %v)", got, want, res.Errors)
			}
			if got := res.Errs(); got != 0 {
				t.Errorf("got errors %v, want none", res.Errors)
			}
			if got, want := s.requests.Load(), int64(200); got != want {
				t.Errorf("server got %d requests, want %d", got, want)
			}
			if got, want := s.conns.Load(), tt.wantConns; got != want {
				t.Errorf("server got %d connections, want %d", got, want)
			}
			if got, want := s.closes.Load(), tt.wantClose; got != want {
				t.Errorf("server got %d Connection: close, want %d", got, want)
			}
			var sum int64
			for _, s := range res.Timeline {
				sum += s.Requests
			}
			if got, want := sum, res.Requests; got != want {
				t.Errorf("timeline sums to %d requests, want %d", got, want)
			}
			if res.Latency.P50 <= 0 || res.Latency.Max < res.Latency.P99 || res.RPS <= 0 {
				t.Errorf("got latency %+v, %.0f req/s; want positive, ordered", res.Latency, res.RPS)
			}
		})
	}
}

// TestServerCloses checks that "Connection: close" means a new connection
// at once, without waiting for an EOF that a lab specimen sends late.
func TestServerCloses(t *testing.T) {
	s := &server{reply: strings.Replace(ok, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1), batch: 1}
	url := serve(t, func(c net.Conn) {
		s.handle(c)
		io.Copy(io.Discard, c) // no EOF from here, as the specimens delay theirs: the client must close
	})
	start := time.Now()
	res := run(t, url, load.WithConnections(1), load.WithRequests(10))
	if got, want := res.Requests, int64(10); got != want {
		t.Errorf("got %d requests, want %d (errors %v)", got, want, res.Errors)
	}
	if got, want := s.conns.Load(), int64(10); got != want {
		t.Errorf("server got %d connections, want %d", got, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: it waited for the server's EOF", d)
	}
}

// TestStall is coordinated omission: a server that stalls for a second.
// Under --rate every request due during the stall is timed from when it was
// due, so the stall fills the upper percentiles; the closed model and the
// service time alone show it only in the max.
func TestStall(t *testing.T) {
	const stall = time.Second
	stallingServer := func(t *testing.T) string {
		var (
			mu    sync.Mutex // one big lock: the whole server stalls
			start time.Time
			once  sync.Once
			done  atomic.Bool
		)
		s := &server{reply: ok, batch: 1, before: func(int64) {
			once.Do(func() { start = time.Now() })
			mu.Lock()
			defer mu.Unlock()
			if time.Since(start) > 300*time.Millisecond && done.CompareAndSwap(false, true) {
				time.Sleep(stall)
			}
		}}
		return serve(t, s.handle)
	}
	opts := []load.Option{load.WithConnections(4), load.WithDuration(2 * time.Second), load.WithTimeout(5 * time.Second)}

	open := run(t, stallingServer(t), append(opts, load.WithRate(400))...)
	t.Logf("open model: %d requests, latency %+v ms, service %+v ms", open.Requests, open.Latency, open.Service)
	// About 400 of the 800 requests were due in the stall's second, their
	// latencies spread from 1 s down to 0: p90 is near 800 ms.
	if open.Latency.P90 < 500 || open.Latency.Max < 900 {
		t.Errorf("open model: got latency %+v ms; want p90 >= 500, max >= 900", open.Latency)
	}
	if open.Service.P90 > 100 {
		t.Errorf("open model: got service time %+v ms; want p90 <= 100: only 4 requests were in the server", open.Service)
	}
	if open.Requests < 700 || open.Requests > 820 {
		t.Errorf("open model: got %d requests, want about 800 at 400/s for 2 s", open.Requests)
	}
	if got, want := open.DurationS, 2.0; got != want {
		t.Errorf("open model: got %v s, want the duration, %v s", got, want)
	}

	closed := run(t, stallingServer(t), opts...)
	t.Logf("closed model: %d requests, latency %+v ms", closed.Requests, closed.Latency)
	if closed.Latency.P99 > 100 || closed.Latency.Max < 900 {
		t.Errorf("closed model: got latency %+v ms; want p99 <= 100, max >= 900: the stall is one request per connection", closed.Latency)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		handle func(net.Conn) // nil: nobody listens
		want   load.Kind
	}{
		// nobody listens
		{"refused", nil, load.Refused},
		// the server reads the request and resets the connection
		{"reset", func(c net.Conn) {
			readRequest(c)
			c.(*net.TCPConn).SetLinger(0) // close sends RST
		}, load.Reset},
		// the server never answers
		{"timeout", func(c net.Conn) {
			readRequest(c)
			io.Copy(io.Discard, c) // until the client gives up
		}, load.Timeout},
		// the server closes without a word
		{"closed at once", func(c net.Conn) { readRequest(c) }, load.Closed},
		// the server closes in the middle of the body
		{"closed early", func(c net.Conn) {
			readRequest(c)
			c.Write([]byte(ok[:len(ok)-5]))
		}, load.Closed},
		// a complete response, but a 503
		{"status", (&server{reply: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", batch: 1}).handle, load.Status},
		// not HTTP
		{"bad response", func(c net.Conn) {
			readRequest(c)
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n\r\n"))
			io.Copy(io.Discard, c)
		}, load.BadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := closedPort(t)
			if tt.handle != nil {
				url = serve(t, tt.handle)
			}
			res := run(t, url, load.WithConnections(1), load.WithRequests(3), load.WithTimeout(200*time.Millisecond))
			for _, k := range load.Kinds {
				want := int64(0)
				if k == tt.want {
					want = 3 // each connection reconnects after an error
				}
				if got := res.Errors[k]; got != want {
					t.Errorf("got %d %s errors, want %d (errors %v)", got, k, want, res.Errors)
				}
			}
			wantRequests := int64(0)
			if tt.want == load.Status {
				wantRequests = 3 // a bad status is still a response
			}
			if got := res.Requests; got != wantRequests {
				t.Errorf("got %d requests, want %d", got, wantRequests)
			}
			var timeline int64
			for _, s := range res.Timeline {
				timeline += s.Errors
			}
			if got, want := timeline, int64(3); got != want {
				t.Errorf("timeline counts %d errors, want %d", got, want)
			}
		})
	}
}

// TestBigHeaders: a connection's buffer starts small and grows for a big
// header block, up to a bound.
func TestBigHeaders(t *testing.T) {
	tests := []struct {
		name string
		size int // bytes of one header's value
		want load.Kind
	}{
		// fits the first buffer
		{"small", 1 << 10, ""},
		// needs the buffer grown, twice
		{"grown", 10 << 10, ""},
		// more than any header block may be
		{"too big", 40 << 10, load.BadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := strings.Replace(ok, "\r\n\r\n", "\r\nX-Big: "+strings.Repeat("x", tt.size)+"\r\n\r\n", 1)
			s := &server{reply: reply, batch: 1}
			res := run(t, serve(t, s.handle), load.WithConnections(1), load.WithRequests(3))
			wantRequests, wantErrs := int64(3), int64(0)
			if tt.want != "" {
				wantRequests, wantErrs = 0, 3
			}
			if res.Requests != wantRequests || res.Errs() != wantErrs || (tt.want != "" && res.Errors[tt.want] != 3) {
				t.Errorf("got %d requests, errors %v; want %d requests, %d %s errors", res.Requests, res.Errors, wantRequests, wantErrs, tt.want)
			}
		})
	}
}

// readRequest reads one request head.
func readRequest(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil || line == "\r\n" {
			return
		}
	}
}

// TestRunEnds checks the run's bounds against a server that never answers:
// the duration ends it, not the timeout, and the requests cut short by its
// end are not errors. Cancelling ctx ends it sooner.
func TestRunEnds(t *testing.T) {
	silent := func(c net.Conn) { io.Copy(io.Discard, c) }
	tests := []struct {
		name   string
		cancel time.Duration // cancel ctx after this; 0: never
		want   time.Duration // the run's length
	}{
		// the duration ends the run, blocked reads and all
		{"duration", 0, 300 * time.Millisecond},
		// so does the caller's context
		{"cancel", 100 * time.Millisecond, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serve(t, silent)
			ctx := context.Background()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.cancel)
				defer cancel()
			}
			start := time.Now()
			res, err := load.Run(ctx, url, load.WithConnections(3), load.WithDuration(300*time.Millisecond),
				load.WithTimeout(5*time.Second))
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if took < tt.want || took > tt.want+500*time.Millisecond {
				t.Errorf("took %v, want about %v", took, tt.want)
			}
			if got := res.Errs(); got != 0 {
				t.Errorf("got errors %v, want none: the run's end is not the server's fault", res.Errors)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	s := &server{reply: ok, batch: 1}
	url := serve(t, s.handle)
	var calls []load.Progress
	res := run(t, url, load.WithDuration(300*time.Millisecond),
		load.WithProgress(50*time.Millisecond, func(p load.Progress) { calls = append(calls, p) }))
	if len(calls) < 3 {
		t.Fatalf("got %d progress calls in 300 ms, want one every 50 ms", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Requests < calls[i-1].Requests || calls[i].Elapsed <= calls[i-1].Elapsed {
			t.Errorf("progress went back: %+v then %+v", calls[i-1], calls[i])
		}
	}
	if last := calls[len(calls)-1]; last.Requests == 0 || last.Requests > res.Requests {
		t.Errorf("last progress %+v, result %d requests: want 0 < progress <= result", last, res.Requests)
	}
}

// TestJSON checks the shape experiments and reports read.
func TestJSON(t *testing.T) {
	s := &server{reply: ok, batch: 1}
	res := run(t, serve(t, s.handle), load.WithConnections(2), load.WithRequests(100), load.WithRate(1000))
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"target", "connections", "keepalive", "pipeline", "rate", "timeout_s",
		"requests", "duration_s", "rps", "latency_ms", "service_ms", "errors", "timeline", "latency_hdr"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %q in %s", key, b)
		}
	}
	if got["requests"] != 100.0 || got["connections"] != 2.0 || got["rate"] != 1000.0 || got["keepalive"] != true {
		t.Errorf("got requests %v, connections %v, rate %v, keepalive %v; want 100, 2, 1000, true",
			got["requests"], got["connections"], got["rate"], got["keepalive"])
	}
	for _, obj := range []string{"latency_ms", "service_ms"} {
		m, _ := got[obj].(map[string]any)
		for _, key := range []string{"p50", "p90", "p99", "p999", "max"} {
			if _, ok := m[key].(float64); !ok {
				t.Errorf("%s: no number %q in %v", obj, key, m)
			}
		}
	}
	errs, _ := got["errors"].(map[string]any)
	for _, k := range load.Kinds {
		if _, ok := errs[string(k)].(float64); !ok {
			t.Errorf("errors: no count for %q in %v", k, errs)
		}
	}
	timeline, _ := got["timeline"].([]any)
	if len(timeline) == 0 {
		t.Fatalf("empty timeline in %s", b)
	}
	for _, s := range timeline {
		m, _ := s.(map[string]any)
		for _, key := range []string{"second", "requests", "errors", "p99"} {
			if _, ok := m[key].(float64); !ok {
				t.Errorf("timeline: no number %q in %v", key, m)
			}
		}
	}
	// The histogram travels whole: a report can redraw any percentile.
	h, err := hdrhistogram.Decode([]byte(res.LatencyHDR))
	if err != nil {
		t.Fatalf("decode latency_hdr: %v", err)
	}
	if got, want := h.TotalCount(), res.Requests; got != want {
		t.Errorf("latency_hdr holds %d values, want %d", got, want)
	}
	if got, want := float64(h.ValueAtQuantile(99))/1000, res.Latency.P99; got != want {
		t.Errorf("latency_hdr p99 %v ms, want %v", got, want)
	}
}

func ExampleRun() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go (&server{reply: ok, batch: 1}).handle(c)
		}
	}()
	res, err := load.Run(context.Background(), "http://"+ln.Addr().String()+"/hello",
		load.WithConnections(4), load.WithRequests(1000))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Requests, "requests,", res.Errs(), "errors")
	// Output: 1000 requests, 0 errors
}
