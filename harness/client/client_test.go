package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/client"
)

// reply is what the test servers send: a CRLF reply with a body.
const reply = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!"

// seedReply is the article's: no length, so it ends only at EOF.
const seedReply = "HTTP/1.1 200 OK\n\nHello, World!\n"

// shortTimeout is the per-connection timeout of the rows that wait it out.
const shortTimeout = 300 * time.Millisecond

// serve runs handle for every connection to a fresh 127.0.0.1 listener and
// returns its port. Cleanup closes the listener and every connection, and
// waits for the handlers.
func serve(t *testing.T, handle func(net.Conn)) int {
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
	wg.Add(1) // the accept loop's own count keeps Add before Wait
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
	return ln.Addr().(*net.TCPAddr).Port
}

// closedPort returns a 127.0.0.1 port nobody listens on: taken, then let go.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

// readRequest reads until the blank line that ends a request's headers,
// bare LF (the seed's) or CRLF.
func readRequest(c net.Conn) ([]byte, error) {
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	var got []byte
	buf := make([]byte, 512)
	for !bytes.Contains(got, []byte("\n\n")) && !bytes.Contains(got, []byte("\r\n\r\n")) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return got, err
		}
	}
	return got, nil
}

// The servers, one per lesson outcome.
var (
	// replyAndClose is a correct server: it reads, replies, closes.
	replyAndClose = func(c net.Conn) {
		defer c.Close()
		if _, err := readRequest(c); err == nil {
			io.WriteString(c, reply)
		}
	}
	// seedAndHold sends the seed's reply but keeps the socket open (3d's
	// parent copy): without a length, the client waits for EOF.
	seedAndHold = func(c net.Conn) {
		if _, err := readRequest(c); err == nil {
			io.WriteString(c, seedReply)
		}
		io.Copy(io.Discard, c) // until the client gives up and closes
	}
	// keepAlive replies with a length and keeps the connection for the
	// next request, as HTTP/1.1 does.
	keepAlive = func(c net.Conn) {
		if _, err := readRequest(c); err == nil {
			io.WriteString(c, reply)
		}
		io.Copy(io.Discard, c)
	}
	// closeAtOnce accepts and closes without reading or writing.
	closeAtOnce = func(c net.Conn) { c.Close() }
	// readAndClose reads the request and closes without a reply.
	readAndClose = func(c net.Conn) {
		readRequest(c)
		c.Close()
	}
	// lingerZero reads the request, then closes with SO_LINGER 0: RST, not FIN.
	lingerZero = func(c net.Conn) {
		readRequest(c)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
	// silent accepts and reads but never answers.
	silent = func(c net.Conn) { io.Copy(io.Discard, c) }
)

// run makes one run and returns every result.
func run(t *testing.T, opts ...client.Option) []client.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o := client.NewOptions(opts...)
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	var out []client.Result
	for r := range client.Run(ctx, o) {
		out = append(out, r)
	}
	if ctx.Err() != nil {
		t.Fatalf("run did not end within 5s: %v", ctx.Err())
	}
	return out
}

func TestRunOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		handle     func(net.Conn) // nil: nobody listens on the port
		timeout    time.Duration
		want       []client.Outcome // any of these
		wantStatus int
		minDone    time.Duration // the connection must not end sooner
		maxDone    time.Duration
	}{
		// reply then EOF: the only success
		{"replied", replyAndClose, 2 * time.Second, []client.Outcome{client.Replied}, 200, 0, time.Second},
		// the reply came but no EOF until the timeout: 3d's lesson
		{"reply without eof", seedAndHold, shortTimeout, []client.Outcome{client.NoEOF}, 200, shortTimeout, shortTimeout + time.Second},
		// a reply whose length is known is whole at once, EOF or not
		{"keep-alive", keepAlive, 2 * time.Second, []client.Outcome{client.Replied}, 200, 0, shortTimeout},
		// nobody listens: the kernel answers the SYN with RST
		{"refused", nil, 2 * time.Second, []client.Outcome{client.Refused}, 0, 0, time.Second},
		// Whether the request reached the server's socket before close()
		// decides: unread data makes close() send RST (Reset); a close
		// before it arrived sends FIN, and the client reads EOF first
		// (ClosedEmpty). On loopback either can win the race.
		{"closed at once", closeAtOnce, 2 * time.Second, []client.Outcome{client.ClosedEmpty, client.Reset}, 0, 0, time.Second},
		// the request was read, so close() sends a plain FIN: EOF, no byte
		{"read and closed", readAndClose, 2 * time.Second, []client.Outcome{client.ClosedEmpty}, 0, 0, time.Second},
		// SO_LINGER 0 makes close() abort the connection with RST
		{"linger 0", lingerZero, 2 * time.Second, []client.Outcome{client.Reset}, 0, 0, time.Second},
		// connected, but not one byte back within the timeout
		{"never answers", silent, shortTimeout, []client.Outcome{client.TimedOut}, 0, shortTimeout, shortTimeout + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var port int
			if tt.handle == nil {
				port = closedPort(t)
			} else {
				port = serve(t, tt.handle)
			}
			results := run(t, client.WithTarget("127.0.0.1", port), client.WithTimeout(tt.timeout),
				client.WithClients(1, 1), client.WithRamp(0))
			if len(results) != 1 {
				t.Fatalf("got %d results, want 1: %+v", len(results), results)
			}
			r := results[0]
			t.Logf("outcome %s, error %q, done after %v", r.Outcome, r.Error, r.Done)
			if !slices.Contains(tt.want, r.Outcome) {
				t.Errorf("outcome %s (error %q), want one of %v", r.Outcome, r.Error, tt.want)
			}
			if r.Status != tt.wantStatus {
				t.Errorf("status %d, want %d", r.Status, tt.wantStatus)
			}
			if (r.Error == "") != (r.Outcome == client.Replied) {
				t.Errorf("outcome %s with error %q, want an error for every outcome but %s", r.Outcome, r.Error, client.Replied)
			}
			if r.Done < tt.minDone || r.Done > tt.maxDone {
				t.Errorf("done after %v, want %v to %v", r.Done, tt.minDone, tt.maxDone)
			}
			if r.FirstByte > 0 && (r.FirstByte < r.Connect || r.FirstByte > r.Done) {
				t.Errorf("connect %v, first byte %v, done %v: want connect <= first byte <= done", r.Connect, r.FirstByte, r.Done)
			}
			if r.Connect > r.Done {
				t.Errorf("connect %v after done %v", r.Connect, r.Done)
			}
			if r.Status == 200 && (r.FirstByte == 0 || (r.Reply != reply && r.Reply != seedReply)) {
				t.Errorf("first byte %v, reply %q; want a first byte time and a test server's reply", r.FirstByte, r.Reply)
			}
			if r.Connect > 0 && r.LocalPort == 0 {
				t.Errorf("connected, but no local port recorded")
			}
		})
	}
}

func TestRunClientsTimesConns(t *testing.T) {
	const clients, conns = 3, 4
	port := serve(t, replyAndClose)
	results := run(t, client.WithTarget("127.0.0.1", port), client.WithTimeout(2*time.Second),
		client.WithClients(clients, conns), client.WithRamp(0))
	if len(results) != clients*conns {
		t.Fatalf("got %d results, want %d×%d = %d", len(results), clients, conns, clients*conns)
	}
	type pair struct{ client, conn int }
	byPair := map[pair]client.Result{}
	for _, r := range results {
		p := pair{r.Client, r.Conn}
		if r.Client < 0 || r.Client >= clients || r.Conn < 0 || r.Conn >= conns {
			t.Errorf("result for client %d conn %d, want client < %d and conn < %d", r.Client, r.Conn, clients, conns)
		}
		if _, dup := byPair[p]; dup {
			t.Errorf("two results for client %d conn %d", r.Client, r.Conn)
		}
		byPair[p] = r
		if r.Outcome != client.Replied {
			t.Errorf("client %d conn %d: outcome %s (%s), want %s", r.Client, r.Conn, r.Outcome, r.Error, client.Replied)
		}
	}
	// A client's connections follow one another: each starts after the
	// previous one ended.
	for c := 0; c < clients; c++ {
		for n := 1; n < conns; n++ {
			prev, cur := byPair[pair{c, n - 1}], byPair[pair{c, n}]
			if end := prev.Start.Add(prev.Done); cur.Start.Before(end) {
				t.Errorf("client %d: conn %d started %v before conn %d ended", c, n, end.Sub(cur.Start), n-1)
			}
		}
	}
}

func TestRunRamp(t *testing.T) {
	tests := []struct {
		name          string
		ramp          time.Duration
		minSpread     time.Duration
		maxSpread     time.Duration
		clientsInTurn bool // client i starts after client i-1
	}{
		// 5 clients over 200ms start at 0, 40, ..., 160ms
		{"ramp 200ms", 200 * time.Millisecond, 150 * time.Millisecond, time.Second, true},
		// Ramp 0 releases every client at once
		{"ramp 0", 0, 0, 100 * time.Millisecond, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := serve(t, replyAndClose)
			results := run(t, client.WithTarget("127.0.0.1", port), client.WithTimeout(2*time.Second),
				client.WithClients(5, 1), client.WithRamp(tt.ramp))
			if len(results) != 5 {
				t.Fatalf("got %d results, want 5", len(results))
			}
			slices.SortFunc(results, func(a, b client.Result) int { return a.Client - b.Client })
			first, last := results[0].Start, results[0].Start
			for _, r := range results {
				if r.Start.Before(first) {
					first = r.Start
				}
				if r.Start.After(last) {
					last = r.Start
				}
			}
			if spread := last.Sub(first); spread < tt.minSpread || spread > tt.maxSpread {
				t.Errorf("starts spread over %v, want %v to %v", spread, tt.minSpread, tt.maxSpread)
			}
			for i := 1; tt.clientsInTurn && i < len(results); i++ {
				if !results[i].Start.After(results[i-1].Start) {
					t.Errorf("client %d started at %v, not after client %d at %v", i, results[i].Start, i-1, results[i-1].Start)
				}
			}
		})
	}
}

func TestRunRequest(t *testing.T) {
	tests := []struct {
		name string
		opt  client.Option         // nil: the defaults
		want func(port int) string // the bytes the server must get
	}{
		// client3's request: bare LF line ends, Host with the port dialled
		{"default", nil, func(port int) string {
			return fmt.Sprintf("GET /hello HTTP/1.1\nHost: localhost:%d\n\n", port)
		}},
		// WithPath changes only the path
		{"path", client.WithPath("/slow"), func(port int) string {
			return fmt.Sprintf("GET /slow HTTP/1.1\nHost: localhost:%d\n\n", port)
		}},
		// WithRequest sends its bytes untouched, even without a blank line
		{"raw", client.WithRequest([]byte("PING\r\n\x00\xff")), func(int) string { return "PING\r\n\x00\xff" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan []byte, 1)
			port := serve(t, func(c net.Conn) {
				defer c.Close()
				// Read exactly what is wanted, then anything more that
				// comes within 100ms, so that extra bytes show.
				buf := make([]byte, len(tt.want(c.LocalAddr().(*net.TCPAddr).Port)))
				n, _ := io.ReadFull(c, buf)
				buf = buf[:n]
				_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				more, _ := io.ReadAll(c)
				got <- append(buf, more...)
				io.WriteString(c, reply)
			})
			want := tt.want(port)
			opts := []client.Option{client.WithTarget("127.0.0.1", port), client.WithTimeout(2 * time.Second),
				client.WithClients(1, 1), client.WithRamp(0)}
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			results := run(t, opts...)
			if len(results) != 1 || results[0].Outcome != client.Replied {
				t.Errorf("results %+v, want one %s", results, client.Replied)
			}
			select {
			case b := <-got:
				if string(b) != want {
					t.Errorf("server got %q, want %q", b, want)
				}
			default:
				t.Error("the server got no request")
			}
		})
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []client.Option
		want client.Options
	}{
		// the defaults, shared with the CLI's flags
		{"defaults", nil, client.Options{
			Host: client.DefaultHost, Port: client.DefaultPort, Clients: client.DefaultClients,
			Conns: client.DefaultConns, Timeout: client.DefaultTimeout, Ramp: client.DefaultRamp, Path: client.DefaultPath,
		}},
		// every option changes only its own fields; later options win
		{"every option", []client.Option{
			client.WithTarget("10.0.0.1", 8803), client.WithClients(300, 2), client.WithRamp(0),
			client.WithTimeout(time.Second), client.WithPath("/x"), client.WithRequest([]byte("R")),
			client.WithPath("/y"),
		}, client.Options{
			Host: "10.0.0.1", Port: 8803, Clients: 300, Conns: 2, Timeout: time.Second, Ramp: 0,
			Path: "/y", Request: []byte("R"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := client.NewOptions(tt.opts...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NewOptions() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    []client.Option
		wantErr string // the word the error starts with; "" for valid
	}{
		// the defaults make a run
		{"defaults", nil, ""},
		// the largest run allowed
		{"maximums", []client.Option{client.WithClients(10000, 10000), client.WithTarget("127.0.0.1", 65535)}, ""},
		// Ramp 0 means all at once, not invalid
		{"ramp 0", []client.Option{client.WithRamp(0)}, ""},
		// no clients at all
		{"clients 0", []client.Option{client.WithClients(0, 1)}, "clients"},
		// more clients than a lab host should fork
		{"clients 10001", []client.Option{client.WithClients(10001, 1)}, "clients"},
		// no connections per client
		{"conns 0", []client.Option{client.WithClients(1, 0)}, "conns"},
		// too many connections per client
		{"conns 10001", []client.Option{client.WithClients(1, 10001)}, "conns"},
		// a ramp cannot run backwards
		{"ramp negative", []client.Option{client.WithRamp(-time.Millisecond)}, "ramp"},
		// a zero timeout would fail every connection at once
		{"timeout 0", []client.Option{client.WithTimeout(0)}, "timeout"},
		// a negative timeout
		{"timeout negative", []client.Option{client.WithTimeout(-time.Second)}, "timeout"},
		// port 0 is not a server's port
		{"port 0", []client.Option{client.WithTarget("127.0.0.1", 0)}, "port"},
		// past the last TCP port
		{"port 65536", []client.Option{client.WithTarget("127.0.0.1", 65536)}, "port"},
		// anywhere in 127.0.0.0/8 is loopback
		{"127.0.0.2", []client.Option{client.WithTarget("127.0.0.2", 8888)}, ""},
		// IPv6 loopback
		{"::1", []client.Option{client.WithTarget("::1", 8888)}, ""},
		// the name of loopback
		{"localhost", []client.Option{client.WithTarget("localhost", 8888)}, ""},
		// a private address is another machine: never a target
		{"private address", []client.Option{client.WithTarget("172.17.0.1", 8888)}, "host"},
		// a public address
		{"public address", []client.Option{client.WithTarget("8.8.8.8", 8888)}, "host"},
		// a name that is not localhost is not resolved, just refused
		{"other name", []client.Option{client.WithTarget("example.com", 8888)}, "host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := client.NewOptions(tt.opts...).Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)):
				t.Errorf("Validate() = %v, want an error about %s", err, tt.wantErr)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		results []client.Result
		want    client.Summary
	}{
		// no results: zero counts, empty (not nil) maps
		{"empty", nil, client.Summary{Outcomes: map[client.Outcome]int{}, Statuses: map[int]int{}}},
		// outcomes counted, status 0 (no reply) not counted, the slowest
		// kept; handshakes counted; the replies whose server had not closed
		// (no EOF) were kept open, the reply without EOF was not: it never
		// completed
		{"mixed", []client.Result{
			{Outcome: client.Replied, Status: 200, Done: 5 * ms, Connect: ms, EOF: true},
			{Outcome: client.Replied, Status: 200, Done: 7 * ms, Connect: ms},
			{Outcome: client.NoEOF, Status: 200, Done: 300 * ms, Connect: ms},
			{Outcome: client.Replied, Status: 503, Done: 2 * ms, Connect: ms, EOF: true},
			{Outcome: client.Refused, Done: ms},
			{Outcome: client.TimedOut, Done: 250 * ms, Connect: ms},
		}, client.Summary{
			Total:     6,
			Connected: 5,
			KeptOpen:  1,
			Outcomes:  map[client.Outcome]int{client.Replied: 3, client.NoEOF: 1, client.Refused: 1, client.TimedOut: 1},
			Statuses:  map[int]int{200: 3, 503: 1},
			Slowest:   300 * ms,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := client.Summarize(tt.results); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Summarize() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummaryWriteText(t *testing.T) {
	s := client.Summarize([]client.Result{
		{Outcome: client.TimedOut, Done: 300 * time.Millisecond},
		{Outcome: client.Replied, Status: 200, Done: 4 * time.Millisecond},
		{Outcome: client.Replied, Status: 200, Done: 6 * time.Millisecond},
	})
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	// Outcomes in display order, only those that happened; then statuses.
	want := "3 connections\n" +
		"  replied            2\n" +
		"  timed-out          1\n" +
		"  status 200         2\n" +
		"  slowest            300ms\n"
	if got := b.String(); got != want {
		t.Errorf("WriteText() =\n%s\nwant\n%s", got, want)
	}
}

func TestRunHold(t *testing.T) {
	const hold = 400 * time.Millisecond
	tests := []struct {
		name    string
		handle  func(net.Conn)
		raw     string
		want    client.Outcome
		wantEOF bool
	}{
		// an idle keep-alive client: its reply, then open until the hold ends
		{"idle after reply", keepAlive, "", client.Replied, false},
		// the server closes during the hold: recorded
		{"closed during hold", replyAndClose, "", client.Replied, true},
		// a stalled client: half a request, no reply, held as asked
		{"stalled", silent, "GET /hello HTTP/1.1\r\nHost: x\r\n", client.Held, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := serve(t, tt.handle)
			opts := []client.Option{client.WithTarget("127.0.0.1", port), client.WithTimeout(2 * time.Second),
				client.WithClients(1, 1), client.WithRamp(0), client.WithHold(hold)}
			if tt.raw != "" {
				opts = append(opts, client.WithRequest([]byte(tt.raw)))
			}
			start := time.Now()
			rs := run(t, opts...)
			took := time.Since(start)
			if len(rs) != 1 {
				t.Fatalf("got %d results, want 1", len(rs))
			}
			if r := rs[0]; r.Outcome != tt.want || r.EOF != tt.wantEOF {
				t.Errorf("got outcome %s, eof %v (%q); want %s, eof %v", r.Outcome, r.EOF, r.Error, tt.want, tt.wantEOF)
			}
			if !tt.wantEOF && (took < hold || took > hold+time.Second) {
				t.Errorf("the connection lasted %v, want about the %v hold", took, hold)
			}
		})
	}
}

func TestRunEvery(t *testing.T) {
	// A server that answers after 300 ms: connections every 100 ms must not
	// wait for each other, so it holds several at once; one after another,
	// it would never hold two.
	var open, most atomic.Int32
	port := serve(t, func(c net.Conn) {
		defer c.Close()
		n := open.Add(1)
		defer open.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if _, err := readRequest(c); err == nil {
			time.Sleep(300 * time.Millisecond)
			io.WriteString(c, reply)
		}
	})
	rs := run(t, client.WithTarget("127.0.0.1", port), client.WithClients(1, 5), client.WithRamp(0),
		client.WithEvery(100*time.Millisecond), client.WithTimeout(2*time.Second))
	if len(rs) != 5 {
		t.Fatalf("got %d results, want 5", len(rs))
	}
	for _, r := range rs {
		if r.Outcome != client.Replied {
			t.Errorf("conn %d: outcome %s, want replied", r.Conn, r.Outcome)
		}
	}
	if got := most.Load(); got < 2 {
		t.Errorf("the server held at most %d connection at once, want several: they must not wait for each other", got)
	}
}
