package http1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// start serves h on a loopback port until the test ends and returns its
// address.
func start(t *testing.T, h http.Handler, opts ...Option) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go Serve(l, h, opts...)
	t.Cleanup(func() { l.Close() })
	return l.Addr().String()
}

// dial connects to addr; every read and write must be done within 5 s.
func dial(t *testing.T, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// send writes raw to c, failing the test if it cannot.
func send(t *testing.T, c net.Conn, raw string) {
	t.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
}

// readResponse reads one response to a request with method from br.
func readResponse(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(body)
}

// expectEOF fails the test unless the server closes cleanly next: a FIN,
// not a reset, and no more bytes.
func expectEOF(t *testing.T, br *bufio.Reader) {
	t.Helper()
	if b, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the reply: byte %q, error %v; want EOF", b, err)
	}
}

// echo answers with what the handler was given: method, target, version,
// host, body length and body.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "%s %s %s host=%s len=%d body=%s", r.Method, r.RequestURI, r.Proto, r.Host, r.ContentLength, body)
})

func TestKeepAlive(t *testing.T) {
	tests := []struct {
		name      string
		requests  []string // written one at a time, each answered before the next
		wantConn  []string // Connection field of each reply
		wantClose bool     // EOF after the last reply
	}{
		// HTTP/1.1 is persistent by default.
		{"1.1", []string{"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"}, []string{"keep-alive", "keep-alive"}, false},
		// Connection: close ends it after that reply.
		{"1.1 close", []string{"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}, []string{"keep-alive", "close"}, true},
		// HTTP/1.0 closes unless it asks for keep-alive.
		{"1.0", []string{"GET /a HTTP/1.0\r\n\r\n"}, []string{"close"}, true},
		// HTTP/1.0 with keep-alive carries on.
		{"1.0 keep-alive", []string{"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET /b HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "GET /c HTTP/1.0\r\n\r\n"}, []string{"keep-alive", "keep-alive", "close"}, true},
		// A body by Content-Length is consumed, not read as the next request.
		{"body", []string{"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"}, []string{"keep-alive", "keep-alive"}, false},
		// So is a chunked body, and a client's stray CRLF after it.
		{"chunked body", []string{"POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\r\n", "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"}, []string{"keep-alive", "keep-alive"}, false},
		// A chunked HTTP/1.0 request is served, then closed (RFC 9112 §6.1).
		{"1.0 chunked", []string{"POST /a HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}, []string{"close"}, true},
	}
	addr := start(t, echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			br := bufio.NewReader(c)
			for i, req := range tt.requests {
				send(t, c, req)
				resp, _ := readResponse(t, br, "GET")
				got := resp.Header.Get("Connection")
				if resp.Close {
					got = "close" // net/http moves it to Response.Close
				}
				if want := tt.wantConn[i]; got != want {
					t.Errorf("request %d: Connection %q, want %q", i, got, want)
				}
			}
			if tt.wantClose {
				expectEOF(t, br)
				return
			}
			// Still open: one more request is answered.
			send(t, c, "GET /more HTTP/1.1\r\nHost: x\r\n\r\n")
			if _, body := readResponse(t, br, "GET"); !strings.HasPrefix(body, "GET /more ") {
				t.Errorf("after keep-alive: body %q, want GET /more", body)
			}
		})
	}
}

func TestPipelining(t *testing.T) {
	tests := []struct {
		name string
		n    int
		last string // extra fields of the last request
	}{
		// Two requests in one write.
		{"two", 2, ""},
		// A hundred in one write, the last one closing.
		{"hundred", 100, "Connection: close\r\n"},
	}
	addr := start(t, echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw strings.Builder
			for i := range tt.n {
				extra := ""
				if i == tt.n-1 {
					extra = tt.last
				}
				fmt.Fprintf(&raw, "GET /%d HTTP/1.1\r\nHost: x\r\n%s\r\n", i, extra)
			}
			c := dial(t, addr)
			send(t, c, raw.String())
			br := bufio.NewReader(c)
			for i := range tt.n {
				_, body := readResponse(t, br, "GET")
				if got, want := body, fmt.Sprintf("GET /%d HTTP/1.1 host=x len=0 body=", i); got != want {
					t.Fatalf("reply %d: got %q, want %q", i, got, want)
				}
			}
			if tt.last != "" {
				expectEOF(t, br)
			}
		})
	}
}

func TestSplitRequests(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		// Bare-LF lines, as the seed's client sends them.
		{"seed client", "GET /hello HTTP/1.1\nHost: localhost:8888\n\n", "GET /hello HTTP/1.1 host=localhost:8888 len=0 body="},
		// A Content-Length body.
		{"length", "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", "PUT /x HTTP/1.1 host=h len=5 body=hello"},
		// A chunked body with an extension and a trailer.
		{"chunked", "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n", "POST /x HTTP/1.1 host=h len=-1 body=hello!"},
	}
	addr := start(t, echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			c.SetNoDelay(true)
			for i := range len(tt.raw) {
				send(t, c, tt.raw[i:i+1])
				time.Sleep(time.Millisecond) // one segment, one read each
			}
			_, body := readResponse(t, bufio.NewReader(c), "GET")
			if body != tt.want {
				t.Errorf("got %q, want %q", body, tt.want)
			}
		})
	}
}

func TestIdleTimeout(t *testing.T) {
	const idle = 150 * time.Millisecond
	tests := []struct {
		name   string
		raw    string // sent, then nothing
		status int    // 0: closed without a word
	}{
		// A connection that never sends is closed without a reply.
		{"silent", "", 0},
		// Empty lines do not begin a request.
		{"empty lines", "\r\n\r\n", 0},
		// A request begun and not finished gets a 408.
		{"half a line", "GET /hello HT", http.StatusRequestTimeout},
		// So does one whose body never comes.
		{"no body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nabc", http.StatusRequestTimeout},
	}
	addr := start(t, echo, WithIdleTimeout(idle))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			begin := time.Now()
			send(t, c, tt.raw)
			br := bufio.NewReader(c)
			if tt.status != 0 {
				resp, _ := readResponse(t, br, "GET")
				if got, want := resp.StatusCode, tt.status; got != want {
					t.Errorf("status %d, want %d", got, want)
				}
			}
			expectEOF(t, br)
			if got := time.Since(begin); got < idle || got > idle+time.Second {
				t.Errorf("closed after %v, want about %v", got, idle)
			}
		})
	}
	t.Run("after a reply", func(t *testing.T) {
		c := dial(t, addr)
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		readResponse(t, br, "GET")
		begin := time.Now()
		expectEOF(t, br)
		if got := time.Since(begin); got < idle-10*time.Millisecond {
			t.Errorf("closed %v after the reply, want about %v", got, idle)
		}
	})
}

func TestDelay(t *testing.T) {
	const delay = 200 * time.Millisecond
	addr := start(t, echo, WithDelay(delay))
	c := dial(t, addr)
	send(t, c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	br := bufio.NewReader(c)
	readResponse(t, br, "GET")
	first := time.Now()
	readResponse(t, br, "GET")
	second := time.Now()
	expectEOF(t, br)
	// Reply, sleep, next request; reply, sleep, close.
	if got := second.Sub(first); got < delay-10*time.Millisecond {
		t.Errorf("second reply %v after the first, want at least %v", got, delay)
	}
	if got := time.Since(second); got < delay-10*time.Millisecond {
		t.Errorf("EOF %v after the last reply, want at least %v", got, delay)
	}
}

// TestDrainBeforeClose sends a bad request line and more bytes behind it,
// which the server never reads as a request. Closing a socket with unread
// input sends RST, not FIN: on Linux the client then reads the reply and
// ECONNRESET instead of EOF (elsewhere, or on a slower path, it may lose the
// reply). The server must drain what is pending before it closes.
func TestDrainBeforeClose(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		// A line that is not HTTP, then 64 KiB more.
		{"bad line", "HELLO THERE\r\n\r\n" + strings.Repeat("x", 64<<10), http.StatusBadRequest},
		// A body over the limit, sent anyway.
		{"too large", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n" + strings.Repeat("x", 512<<10), http.StatusRequestEntityTooLarge},
		// Requests behind one that asked to close, more than the server buffers.
		{"close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2000), http.StatusOK},
	}
	addr := start(t, echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			go io.WriteString(c, tt.raw)
			// Let the server answer and close before reading anything.
			time.Sleep(100 * time.Millisecond)
			br := bufio.NewReader(c)
			resp, _ := readResponse(t, br, "GET")
			if got, want := resp.StatusCode, tt.status; got != want {
				t.Errorf("status %d, want %d", got, want)
			}
			if _, err := br.ReadByte(); errors.Is(err, syscall.ECONNRESET) || err != io.EOF {
				t.Errorf("after the reply: %v, want EOF", err)
			}
		})
	}
}

func TestHandlerPanic(t *testing.T) {
	tests := []struct {
		name   string
		h      http.HandlerFunc
		status int // 0: no reply at all
	}{
		// Nothing written yet: the client gets a 500.
		{"before", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, http.StatusInternalServerError},
		// The same for http.ErrAbortHandler.
		{"abort", func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }, http.StatusInternalServerError},
		// After a flush the header is out: the connection just closes.
		{"after flush", func(w http.ResponseWriter, r *http.Request) {
			w.(http.Flusher).Flush()
			panic("boom")
		}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, start(t, tt.h))
			send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := resp.StatusCode, tt.status; got != want {
				t.Errorf("status %d, want %d", got, want)
			}
			// The chunked body of "after flush" never ends: the read fails.
			io.ReadAll(resp.Body)
			if tt.status == http.StatusInternalServerError {
				expectEOF(t, br)
			}
		})
	}
}
