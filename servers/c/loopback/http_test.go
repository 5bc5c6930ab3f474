// The http wire: conformance, pipelining, the lingering close, timeouts.

package loopback_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// reply is one HTTP response as read off the wire.
type reply struct {
	status int
	header textproto.MIMEHeader
	body   []byte
}

// readReply reads one response; head says it has no body. Every line of
// its head must end in CRLF.
func readReply(br *bufio.Reader, head bool) (reply, error) {
	var r reply
	line, err := br.ReadString('\n')
	if err != nil {
		return r, fmt.Errorf("status line: %w", err)
	}
	fields := strings.SplitN(strings.TrimSuffix(line, "\r\n"), " ", 3)
	if !strings.HasSuffix(line, "\r\n") || len(fields) != 3 || fields[0] != "HTTP/1.1" {
		return r, fmt.Errorf("status line %q", line)
	}
	if r.status, err = strconv.Atoi(fields[1]); err != nil {
		return r, fmt.Errorf("status line %q", line)
	}
	r.header = textproto.MIMEHeader{}
	for {
		line, err := br.ReadString('\n')
		if err != nil || !strings.HasSuffix(line, "\r\n") {
			return r, fmt.Errorf("header line %q: %v", line, err)
		}
		if line == "\r\n" {
			break
		}
		k, v, ok := strings.Cut(strings.TrimSuffix(line, "\r\n"), ":")
		if !ok {
			return r, fmt.Errorf("header line %q", line)
		}
		r.header.Add(k, strings.TrimSpace(v))
	}
	n, err := strconv.Atoi(r.header.Get("Content-Length"))
	if err != nil {
		return r, fmt.Errorf("Content-Length %q", r.header.Get("Content-Length"))
	}
	if !head {
		r.body = make([]byte, n)
		if _, err := io.ReadFull(br, r.body); err != nil {
			return r, fmt.Errorf("body: %w", err)
		}
	}
	return r, nil
}

// check compares a reply's status and the headers every reply must carry.
func check(t *testing.T, specimen string, r reply, status int, head, closes bool) {
	t.Helper()
	conn := map[bool]string{true: "close", false: "keep-alive"}[closes]
	if r.status != status {
		t.Errorf("status %d, want %d", r.status, status)
	}
	for k, want := range map[string]string{
		"Content-Type": "text/plain; charset=utf-8",
		"Server":       "serverlab-" + specimen,
		"Connection":   conn,
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if d, err := http.ParseTime(r.header.Get("Date")); err != nil || time.Since(d).Abs() > 5*time.Second {
		t.Errorf("Date %q: not a current IMF-fixdate (%v)", r.header.Get("Date"), err)
	}
	if got := r.header.Get("Allow"); (status == 405) != (got == "GET, HEAD") {
		t.Errorf("Allow %q with status %d, want \"GET, HEAD\" with 405 only", got, status)
	}
	switch {
	case head && r.body != nil:
		t.Errorf("HEAD reply has a body")
	case !head && status == 200 && string(r.body) != helloBody:
		t.Errorf("body %q, want %q", r.body, helloBody)
	case !head && len(r.body) == 0:
		t.Errorf("error reply without a body")
	}
	if cl := r.header.Get("Content-Length"); status == 200 && cl != strconv.Itoa(len(helloBody)) {
		t.Errorf("Content-Length %s, want %d", cl, len(helloBody))
	}
}

// expectEOF checks that the server closes, cleanly, with nothing more to say.
func expectEOF(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the reply: %d bytes, %v; want EOF", n, err)
	}
}

// testConformance sends each exchange on a connection of its own.
func (l *lab) testConformance(t *testing.T, name string) {
	s := l.start(t, name)
	for i, x := range conformance {
		t.Run(fmt.Sprintf("%02d", i), func(t *testing.T) {
			c := s.dial(t)
			defer c.Close()
			br := bufio.NewReader(c)
			if _, err := c.Write([]byte(x.req)); err != nil {
				t.Fatalf("write %q: %v", short(x.req), err)
			}
			r, err := readReply(br, x.head)
			if err != nil {
				t.Fatalf("%q: %v", short(x.req), err)
			}
			check(t, name, r, x.status, x.head, x.closes)
			if x.closes {
				expectEOF(t, c, br)
				return
			}
			// Kept alive: the connection must serve the next request.
			if _, err := c.Write([]byte(hello)); err != nil {
				t.Fatalf("write the next request: %v", err)
			}
			if r, err := readReply(br, false); err != nil || r.status != 200 {
				t.Errorf("the next request on the connection: status %d, %v; want 200", r.status, err)
			}
			if t.Failed() {
				t.Logf("request %q", short(x.req))
			}
		})
	}
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// testPipelining sends three requests in one write and a fourth in pieces.
func (l *lab) testPipelining(t *testing.T, name string) {
	s := l.start(t, name)
	c := s.dial(t)
	defer c.Close()
	br := bufio.NewReader(c)
	batch := hello + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + "HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := c.Write([]byte(batch)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		status int
		head   bool
	}{{200, false}, {404, false}, {200, true}} {
		r, err := readReply(br, want.head)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if r.status != want.status {
			t.Errorf("reply %d: status %d, want %d", i, r.status, want.status)
		}
	}
	// A request split across writes (and so across reads) is one request.
	last := "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	for _, piece := range []string{last[:7], last[7:25], last[25:]} {
		if _, err := c.Write([]byte(piece)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	r, err := readReply(br, false)
	if err != nil {
		t.Fatalf("split request: %v", err)
	}
	check(t, name, r, 200, false, true)
	expectEOF(t, c, br)
}

// testLinger sends a bad line and 256 KiB more in one write, waits, then
// reads. Without shutdown and drain before close(), the unread input makes
// the kernel answer with RST and the client reads ECONNRESET, not EOF.
func (l *lab) testLinger(t *testing.T, name string) {
	s := l.start(t, name)
	c := s.dial(t)
	defer c.Close()
	junk := append([]byte("BAD LINE\r\n"), bytes.Repeat([]byte("x"), 256<<10)...)
	go func() { _, _ = c.Write(junk) }() // may block until the server reads
	time.Sleep(200 * time.Millisecond)
	got, err := io.ReadAll(c)
	if err != nil {
		t.Errorf("read: %v after %d bytes, want the 400 and EOF", err, len(got))
	}
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 400 ")) {
		t.Errorf("got %q, want a 400", short(string(got)))
	}
}

// testTimeouts runs with --idle-timeout 300ms: an idle connection is
// closed without a word, a request begun and not finished gets a 408, even
// if its bytes trickle in.
func (l *lab) testTimeouts(t *testing.T, name string) {
	const idle = 300 * time.Millisecond
	s := l.start(t, name, "--idle-timeout", "300ms")
	for _, row := range []struct {
		name    string
		send    string
		trickle bool
		want    string // the reply's start; "" is silence
	}{
		{"idle", "", false, ""},                                                                 // nothing sent: closed, silently
		{"idle after a reply", hello, false, "HTTP/1.1 200 "},                                   // a reply, then idle: closed
		{"unfinished", "GET /hello HTTP/1.1\r\n", false, "HTTP/1.1 408 "},                       // half a request: 408
		{"trickled", "GET /hello HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaa", true, "HTTP/1.1 408 "}, // a byte per 50ms does not extend the deadline
	} {
		t.Run(row.name, func(t *testing.T) {
			c := s.dial(t)
			defer c.Close()
			start := time.Now()
			if row.trickle {
				go func() {
					for i := range row.send {
						if _, err := c.Write([]byte{row.send[i]}); err != nil {
							return
						}
						time.Sleep(50 * time.Millisecond)
					}
				}()
			} else if _, err := c.Write([]byte(row.send)); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(c)
			took := time.Since(start)
			if err != nil {
				t.Errorf("read: %v", err)
			}
			if !strings.HasPrefix(string(got), row.want) || (row.want == "" && len(got) > 0) {
				t.Errorf("got %q, want %q then EOF", short(string(got)), row.want)
			}
			if took < idle-50*time.Millisecond || took > idle+700*time.Millisecond {
				t.Errorf("EOF after %v, want about %v", took, idle)
			}
		})
	}
}

// exchange is one request and the reply it must get.
type exchange struct {
	req    string
	status int
	head   bool // a HEAD request: no body
	closes bool // Connection: close, then EOF; else the connection serves another request
}

var (
	chunked    = "GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n"
	longLine   = "GET /" + strings.Repeat("a", 8000) + " HTTP/1.1\r\nHost: x\r\n\r\n"
	okLine     = "GET /hello?" + strings.Repeat("a", 8000-len("GET /hello? HTTP/1.1")) + " HTTP/1.1\r\nHost: x\r\n\r\n"
	bigHeaders = "GET /hello HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 9000) + "\r\n\r\n"
	manyFields = "GET /hello HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X: y\r\n", 100) + "\r\n"
	tlsHello   = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
)

var conformance = []exchange{
	{hello, 200, false, false}, // the lesson's request
	{"GET /hello?name=x HTTP/1.1\r\nHost: x\r\n\r\n", 200, false, false},                                                     // the query is not the path
	{"HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, true, false},                                                            // HEAD: headers only
	{"GET /hello HTTP/1.1\nHost: x\n\n", 200, false, false},                                                                  // bare LF, as the seed's client sends
	{"\r\n" + hello, 200, false, false},                                                                                      // an empty line before the request is skipped
	{"GET http://x/hello HTTP/1.1\r\nHost: x\r\n\r\n", 200, false, false},                                                    // absolute-form
	{"GET /hello HTTP/1.2\r\nHost: x\r\n\r\n", 200, false, false},                                                            // a higher 1.x is served as 1.1 (RFC 9110 2.5)
	{okLine, 200, false, false},                                                                                              // a request line of 8000 bytes is fine
	{manyFields[:len(manyFields)-8] + "\r\n", 200, false, false},                                                             // 100 fields are fine
	{"GET /hello HTTP/1.0\r\n\r\n", 200, false, true},                                                                        // HTTP/1.0 closes by default
	{"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200, false, false},                                             // unless asked to keep alive
	{"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, false, true},                                        // HTTP/1.1 closes when asked
	{chunked, 200, false, false},                                                                                             // a chunked body is read and dropped
	{"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, false, false},                                                             // another path
	{"POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 405, false, false},                                 // its body is read, the next request follows
	{"DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", 405, false, false},                                                         // a known method we do not allow
	{"get /hello HTTP/1.1\r\nHost: x\r\n\r\n", 501, false, true},                                                             // methods are case-sensitive
	{"BREW /hello HTTP/1.1\r\nHost: x\r\n\r\n", 501, false, true},                                                            // an unknown method
	{"GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, false, true},                                  // chunked is not the last coding: no length (RFC 9112 6.3)
	{"GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, false, true},                // a coding we do not know, chunked last
	{"GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\nContent-Length: 3\r\n\r\nabc", 400, false, true},              // an empty coding list is no length (the fuzzer's find)
	{"GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505, false, true},                                                             // HTTP/2 in an HTTP/1 line
	{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, false, true},                                                                   // HTTP/2's connection preface
	{"GET /hello\r\n\r\n", 400, false, true},                                                                                 // HTTP/0.9: no version
	{"GET /hello http/1.1\r\nHost: x\r\n\r\n", 400, false, true},                                                             // the version is case-sensitive
	{"GET  /hello HTTP/1.1\r\nHost: x\r\n\r\n", 400, false, true},                                                            // two spaces: an empty target
	{"GET hello HTTP/1.1\r\nHost: x\r\n\r\n", 400, false, true},                                                              // a target that is no form
	{tlsHello, 400, false, true},                                                                                             // TLS to a plain port
	{"GET /he\x00llo HTTP/1.1\r\nHost: x\r\n\r\n", 400, false, true},                                                         // NUL in the target
	{"GET /hello HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400, false, true},                                                // NUL in a field value
	{"GET /hello HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400, false, true},                                                  // a field line without a colon
	{"GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", 400, false, true},                                                            // whitespace before the colon
	{"GET /hello HTTP/1.1\r\n: x\r\nHost: x\r\n\r\n", 400, false, true},                                                      // an empty field name
	{"GET /hello HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400, false, true},                                               // obs-fold
	{"GET /hello HTTP/1.1\r\n\r\n", 400, false, true},                                                                        // HTTP/1.1 without Host
	{"GET /hello HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, false, true},                                                  // two Hosts
	{"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, false, true},                                      // Content-Length not digits
	{"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, false, true},                                       // a negative length
	{"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, false, true},                 // two lengths
	{"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, false, true}, // both framings
	{"GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, false, true},                         // a chunk size that is not hex
	{"GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400, false, true},                    // a chunk longer than its size
	{"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n", 413, false, true},                                  // over 1 MiB announced
	{"GET /hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n", 413, false, true},                     // a 2 MiB chunk
	{longLine, 414, false, true},                                                                                             // a request line over 8000 bytes
	{bigHeaders, 431, false, true},                                                                                           // a header section over 8 KiB
	{manyFields, 431, false, true},                                                                                           // 101 fields
}
