package wsgi_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/client"
)

func post(path, body string, extra ...string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n%s\r\n%s",
		path, len(body), strings.Join(extra, ""), body)
}

// pepRows are requests to testdata/pep3333apps.py and what the server must
// answer. The valid ones (every row but those marked invalid) also run
// under wsgiref.validate.
var pepRows = []struct {
	name    string
	req     string
	status  int
	body    string
	length  string // Content-Length: "" none, "=" the body's length
	log     string // a log line that must start so, or ""
	invalid bool   // the application breaks PEP 3333 on purpose
}{
	// len() 1: the server knows the length
	{"single", get("/single"), 200, "hello", "=", "", false},
	// HEAD: the length GET would have, no body
	{"single-head", "HEAD /single HTTP/1.1\r\nHost: localhost\r\n\r\n", 200, "", "5", "", false},
	// no body byte at all: headers at the end, length 0
	{"empty", get("/empty"), 200, "", "=", "", false},
	// write(): headers go out before the length is known
	{"write", get("/write"), 200, "ab", "", "", false},
	// empty chunks send nothing; close() is called
	{"closing", get("/closing"), 200, "xy", "", "pep3333: closed", false},
	// exc_info before any byte: the new status replaces the old
	{"exc-info-early", get("/exc-info-early"), 500, "replaced\n", "=", "", false},
	// exc_info after the headers: re-raised, logged, the reply cut short
	{"exc-info-late", get("/exc-info-late"), 200, "partial", "", "app: RuntimeError: too late", false},
	// the application raises before start_response: the server's 500
	{"raises", get("/raises"), 500, "Internal Server Error\n", "=", "app: RuntimeError: boom before", false},
	// it raises in its iterable before the first byte: still a 500
	{"raises-in-iterable", get("/raises-in-iterable"), 500, "Internal Server Error\n", "=", "app: RuntimeError: boom in", false},
	// Date and Server from the application are kept, not doubled
	{"own-headers", get("/own-headers"), 200, "mine\n", "=", "", false},
	// wsgi.input ends at Content-Length though the application asks for more
	{"echo", post("/echo", "hello"), 200, "hello", "=", "", false},
	// readlines() over the body
	{"lines", post("/lines", "a\nb\nc"), 200, "a\n|b\n|c", "=", "", false},
	// an HTTP/1.0 request needs no Host
	{"http10", "GET /single HTTP/1.0\r\n\r\n", 200, "hello", "=", "", false},
	// leading empty lines before the request line are skipped
	{"leading-crlf", "\r\n" + get("/single"), 200, "hello", "=", "", false},
	// the server's own answers, before any application runs
	{"no-host", "GET /single HTTP/1.1\r\n\r\n", 400, "Bad Request\n", "=", "", false},
	{"obs-fold", "GET /single HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n 2\r\n\r\n", 400, "Bad Request\n", "=", "", false},
	{"space-before-colon", "GET /single HTTP/1.1\r\nHost : localhost\r\n\r\n", 400, "Bad Request\n", "=", "", false},
	{"lengths-disagree", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, "Bad Request\n", "=", "", false},
	{"chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411, "Length Required\n", "=", "", false},
	{"body-too-large", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413, "Content Too Large\n", "=", "", false},
	{"uri-too-long", get("/" + strings.Repeat("a", 8100)), 414, "URI Too Long\n", "=", "", false},
	{"fields-too-large", "GET /single HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 9000) + "\r\n\r\n", 431, "Request Header Fields Too Large\n", "=", "", false},
	{"http2", "GET /single HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP Version Not Supported\n", "=", "", false},
	// start_response twice without exc_info
	{"start-twice", get("/start-twice"), 500, "Internal Server Error\n", "=", "app: AssertionError", true},
	// a hop-by-hop header belongs to the server
	{"hop-by-hop", get("/hop-by-hop"), 500, "Internal Server Error\n", "=", "app: ValueError", true},
	// a str chunk instead of bytes
	{"str-body", get("/str-body"), 500, "Internal Server Error\n", "=", "app: TypeError", true},
}

// TestPEP3333 runs every row against the server without the validator:
// statuses, bodies, Content-Length, and what it logs.
func TestPEP3333(t *testing.T) {
	s := start(t, "--app", pepApps)
	for _, r := range pepRows {
		rep, raw := exchange(t, s.port, r.req)
		if r.name == "own-headers" {
			if d, sv := rep.Header.Values("Date"), rep.Header.Values("Server"); len(d) != 1 || d[0] != "Sun, 06 Nov 1994 08:49:37 GMT" ||
				len(sv) != 1 || sv[0] != "pep3333apps" {
				t.Errorf("%s: Date %q, Server %q, want the application's, once each", r.name, d, sv)
			}
		} else {
			checkFraming(t, rep, "serverlab-wsgi-iterative", strings.HasPrefix(r.req, "HEAD "))
		}
		if rep.Status != r.status || string(rep.Body) != r.body {
			t.Errorf("%s: got %d %q, want %d %q", r.name, rep.Status, rep.Body, r.status, r.body)
		}
		want := map[string]string{"=": fmt.Sprint(len(r.body))}[r.length]
		if r.length != "=" {
			want = r.length
		}
		if got := rep.Header.Get("Content-Length"); got != want {
			t.Errorf("%s: Content-Length %q, want %q", r.name, got, want)
		}
		if r.log != "" && s.waitFor(r.log, time.Second) == "" {
			t.Errorf("%s: no log line %q; log:\n%s", r.name, r.log, s.log())
		}
		if r.name == "exc-info-early" && !strings.HasPrefix(raw, "HTTP/1.1 500 Changed Its Mind\r\n") {
			t.Errorf("%s: status line of %q, want the replacement's", r.name, raw)
		}
	}
}

// TestValidator runs the valid rows under wsgiref.validate: same statuses
// and bodies, and not one complaint. The validator's iterator hides len(),
// so lengths are not compared.
func TestValidator(t *testing.T) {
	s := start(t, "--validate", "--app", pepApps)
	for _, r := range pepRows {
		if r.invalid {
			continue
		}
		rep, _ := exchange(t, s.port, r.req)
		if rep.Status != r.status || string(rep.Body) != r.body {
			t.Errorf("%s: got %d %q, want %d %q", r.name, rep.Status, rep.Body, r.status, r.body)
		}
	}
	if got := s.complaints(); len(got) > 0 {
		t.Errorf("the validator complained:\n%s", strings.Join(got, "\n"))
	}
}

// TestExpectContinue sends the head alone, as a client that asks for
// 100-continue does, and the body only once the interim reply has come:
// the server must send it when the application first reads wsgi.input.
func TestExpectContinue(t *testing.T) {
	s := start(t, "--validate", "--app", pepApps)
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), replyTimeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(replyTimeout))
	head := "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatalf("send head: %v", err)
	}
	r := bufio.NewReader(conn)
	interim := ""
	for !strings.HasSuffix(interim, "\r\n\r\n") {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("interim reply: %v after %q", err, interim)
		}
		interim += string(b)
	}
	if want := "HTTP/1.1 100 Continue\r\n\r\n"; interim != want {
		t.Fatalf("interim %q, want %q", interim, want)
	}
	if _, err := io.WriteString(conn, "hello"); err != nil {
		t.Fatalf("send body: %v", err)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("final reply: %v", err)
	}
	rep, err := client.ParseReply(raw)
	if err != nil || rep.Status != 200 || string(rep.Body) != "hello" {
		t.Errorf("final reply %d %q (%v), want 200 \"hello\"", rep.Status, rep.Body, err)
	}
}

// TestPathInfo checks that PATH_INFO is percent-decoded into a latin-1
// str, PEP 3333's "native string" for bytes: UTF-8 é (C3 A9) arrives as
// the two code points U+00C3 U+00A9, and %2F becomes a slash.
func TestPathInfo(t *testing.T) {
	s := start(t, "--validate", "--app", pepApps)
	rep, _ := exchange(t, s.port, get("/environ/caf%C3%A9%2Fx?y=%C3%A9"))
	var env map[string]string
	if err := json.Unmarshal(rep.Body, &env); err != nil {
		t.Fatalf("environ JSON: %v in %q", err, rep.Body)
	}
	if got, want := env["PATH_INFO"], "/environ/caf\u00c3\u00a9/x"; got != want {
		t.Errorf("PATH_INFO %q, want %q", got, want)
	}
	if got, want := env["QUERY_STRING"], "y=%C3%A9"; got != want {
		t.Errorf("QUERY_STRING %q, want %q (left encoded)", got, want)
	}
}
