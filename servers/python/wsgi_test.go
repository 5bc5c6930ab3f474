// Package wsgi_test checks servers/python/wsgiserver.py, the WSGI server of
// the seed's parts 2 and 3, by running it with the host's python3 (skipped
// where there is none) and talking HTTP to it over loopback: no Docker, no
// image, so -short runs it too. The Flask, Pyramid and Django applications
// need packages only the image has, and are not run here.
package wsgi_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

const (
	script    = "wsgiserver.py"
	bareApp   = "apps.wsgiapp:app"
	pepApps   = "testdata.pep3333apps:app"
	helloBody = "Hello world from a simple WSGI application!\n"

	startTimeout = 10 * time.Second
	replyTimeout = 5 * time.Second
	stopTimeout  = 5 * time.Second
)

// modes are the server's process models (--mode).
var modes = []string{"iterative", "forking", "forking-wait-once"}

// server is one wsgiserver.py process and the lines it has logged.
type server struct {
	cmd       *exec.Cmd
	port, pid int

	mu    sync.Mutex
	lines []string

	exited  chan struct{} // closed once the process has been waited for
	waitErr error
}

// start runs wsgiserver.py with args on a free port and returns once it has
// logged its listening line. The server is stopped when the test ends.
func start(t *testing.T, args ...string) *server {
	t.Helper()
	s := launch(t, args...)
	line := s.waitFor(catalogue.LogListening, startTimeout)
	if line == "" {
		t.Fatalf("no %q line within %v; log:\n%s", catalogue.LogListening, startTimeout, s.log())
	}
	s.port, s.pid = field(t, line, "port"), field(t, line, "pid")
	return s
}

// launch starts wsgiserver.py with args (and --port 0 first, so that a later
// --port wins) without waiting for anything.
func launch(t *testing.T, args ...string) *server {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the WSGI server cannot run here")
	}
	cmd := exec.Command(py, append([]string{script, "--port", "0"}, args...)...)
	// Keep __pycache__ out of the source tree.
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	// A group of its own, so that children still serving when the test
	// ends can be ended with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A pipe of our own rather than StderrPipe: children keep their copy of
	// stderr after the server exits, and Wait must not wait for them.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatalf("pipe: %v", err)
	}
	cmd.Stderr = w
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatalf("start %s: %v", script, err)
	}
	s := &server{cmd: cmd, exited: make(chan struct{})}
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, sc.Text())
			s.mu.Unlock()
		}
	}()
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop sends SIGTERM, then SIGKILL if the server is still there after
// stopTimeout, and ends what is left of its process group: children still
// serving a slow request.
func (s *server) stop(t *testing.T) {
	defer syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		t.Errorf("%s still running %v after SIGTERM; log:\n%s", script, stopTimeout, s.log())
	}
}

// wait returns the exit code once the server has exited, or -1 after timeout.
func (s *server) wait(timeout time.Duration) int {
	select {
	case <-s.exited:
	case <-time.After(timeout):
		return -1
	}
	var exit *exec.ExitError
	if errors.As(s.waitErr, &exit) {
		return exit.ExitCode()
	}
	return 0
}

// waitFor returns the first log line starting with prefix, waiting up to
// timeout for it; "" if none came.
func (s *server) waitFor(prefix string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for {
		for _, l := range s.snapshot() {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		if time.Now().After(deadline) {
			return ""
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitCount waits up to timeout for n log lines starting with prefix and
// returns them (fewer if they did not come).
func (s *server) waitCount(prefix string, n int, timeout time.Duration) []string {
	deadline := time.Now().Add(timeout)
	for {
		got := s.matching(prefix)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) matching(prefix string) []string {
	var out []string
	for _, l := range s.snapshot() {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

func (s *server) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

func (s *server) log() string { return strings.Join(s.snapshot(), "\n") }

// complaints are the log lines in which the server reports an application
// that broke PEP 3333, or the validator caught one: wsgiref.validate
// raises AssertionError, and --validate turns its WSGIWarning into errors.
func (s *server) complaints() []string {
	var out []string
	for _, l := range s.snapshot() {
		if strings.HasPrefix(l, "app: AssertionError") || strings.HasPrefix(l, "app: WSGIWarning") ||
			strings.Contains(l, " ignored in ") {
			out = append(out, l)
		}
	}
	return out
}

// field reads key=N from a log line.
func field(t *testing.T, line, key string) int {
	t.Helper()
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s in %q: %v", key, line, err)
			}
			return n
		}
	}
	t.Fatalf("no %s= in %q", key, line)
	return 0
}

// exchange sends req on a new connection and reads the reply to EOF.
func exchange(t *testing.T, port int, req string) (client.Reply, string) {
	t.Helper()
	rep, raw, err := fetch(port, req)
	if err != nil {
		t.Fatalf("%.40q: %v", req, err)
	}
	return rep, raw
}

// fetch is exchange for goroutines, where t.Fatal is not allowed.
func fetch(port int, req string) (client.Reply, string, error) {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), replyTimeout)
	if err != nil {
		return client.Reply{}, "", fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(replyTimeout))
	if _, err := io.WriteString(conn, req); err != nil {
		return client.Reply{}, "", fmt.Errorf("send: %w", err)
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		return client.Reply{}, string(raw), fmt.Errorf("read reply: %w (read %q)", err, raw)
	}
	rep, err := client.ParseReply(raw)
	return rep, string(raw), err
}

func get(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n" }

// checkFraming checks what the server adds to every reply on the http wire:
// CRLF lines, one current IMF-fixdate Date, one Server, Connection: close,
// and a Content-Length, when there is one, that matches the body (but for
// HEAD, whose length is the one GET would have).
func checkFraming(t *testing.T, rep client.Reply, server string, head bool) {
	t.Helper()
	if !rep.CRLF {
		t.Errorf("header lines do not all end in CRLF")
	}
	if got := rep.Header.Values("Server"); len(got) != 1 || got[0] != server {
		t.Errorf("Server %q, want [%q]", got, server)
	}
	if got := rep.Header.Values("Date"); len(got) != 1 {
		t.Errorf("Date %q, want one", got)
	} else if d, err := http.ParseTime(got[0]); err != nil || got[0] != d.UTC().Format(http.TimeFormat) {
		t.Errorf("Date %q is not an IMF-fixdate", got[0])
	} else if skew := time.Since(d).Abs(); skew > 3*time.Second {
		t.Errorf("Date %q is %v away from now", got[0], skew)
	}
	if got := rep.Header.Get("Connection"); got != "close" {
		t.Errorf("Connection %q, want close", got)
	}
	if cl := rep.Header.Get("Content-Length"); cl != "" && !head && cl != strconv.Itoa(len(rep.Body)) {
		t.Errorf("Content-Length %s but a body of %d bytes", cl, len(rep.Body))
	}
}

// TestHello runs the article's bare application under wsgiref.validate in
// every mode: the replies the lab's hello experiment checks, and not one
// complaint from the validator.
func TestHello(t *testing.T) {
	rows := []struct {
		name   string
		req    string
		status int
		body   string
		length string // Content-Length, "" for none
		ctype  string
	}{
		// the article's request; the validator's iterator hides len(), so
		// the server cannot know the length: close-delimited
		{"hello", get("/hello"), 200, helloBody, "", "text/plain"},
		// HEAD: the same headers, no body
		{"head", "HEAD /hello HTTP/1.1\r\nHost: localhost\r\n\r\n", 200, "", "", "text/plain"},
		// client3's request: bare LF line ends
		{"bare-lf", "GET /hello HTTP/1.1\nHost: localhost\n\n", 200, helloBody, "", "text/plain"},
		// the application's own 404
		{"not-found", get("/nope"), 404, "Not Found\n", "", "text/plain"},
		// the hello experiment's bad request: the server's own 400
		{"bad-request", "HELLO THERE\r\n\r\n", 400, "Bad Request\n", "12", "text/plain; charset=utf-8"},
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := start(t, "--mode", mode, "--validate", "--app", bareApp)
			for _, r := range rows {
				rep, _ := exchange(t, s.port, r.req)
				checkFraming(t, rep, "serverlab-wsgi-"+mode, strings.HasPrefix(r.req, "HEAD "))
				if rep.Status != r.status || string(rep.Body) != r.body {
					t.Errorf("%s: got %d %q, want %d %q", r.name, rep.Status, rep.Body, r.status, r.body)
				}
				if got := rep.Header.Get("Content-Length"); got != r.length {
					t.Errorf("%s: Content-Length %q, want %q", r.name, got, r.length)
				}
				if got := rep.Header.Get("Content-Type"); got != r.ctype {
					t.Errorf("%s: Content-Type %q, want %q", r.name, got, r.ctype)
				}
			}
			if got := s.waitCount(catalogue.LogAccept, len(rows), time.Second); len(got) != len(rows) {
				t.Errorf("%d %q lines, want %d", len(got), catalogue.LogAccept, len(rows))
			}
			if got := s.complaints(); len(got) > 0 {
				t.Errorf("the validator complained:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// TestEnviron checks the environ the server builds, as the bare application
// records it on /environ, in every mode, under the validator.
func TestEnviron(t *testing.T) {
	req := "POST /%65nviron?q=1&r=%20 HTTP/1.1\r\nHost: localhost\r\n" +
		"Content-Type: text/plain\r\nContent-Length: 3\r\n" +
		"X-Dup: a\r\nX-Dup: b\r\nCookie: a=1\r\nCookie: b=2\r\nX_Under: spoof\r\n\r\nabc"
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := start(t, "--mode", mode, "--validate", "--app", bareApp)
			rep, _ := exchange(t, s.port, req)
			if rep.Status != 200 {
				t.Fatalf("status %d, want 200; body %q", rep.Status, rep.Body)
			}
			var env map[string]string
			if err := json.Unmarshal(rep.Body, &env); err != nil {
				t.Fatalf("environ JSON: %v in %q", err, rep.Body)
			}
			multiprocess := map[bool]string{true: "False", false: "True"}[mode == "iterative"]
			want := map[string]string{
				"REQUEST_METHOD":    "POST",
				"SCRIPT_NAME":       "",
				"PATH_INFO":         "/environ", // percent-decoded
				"QUERY_STRING":      "q=1&r=%20",
				"CONTENT_TYPE":      "text/plain",
				"CONTENT_LENGTH":    "3",
				"SERVER_PORT":       strconv.Itoa(s.port),
				"SERVER_PROTOCOL":   "HTTP/1.1",
				"REMOTE_ADDR":       "127.0.0.1",
				"HTTP_HOST":         "localhost",
				"HTTP_X_DUP":        "a, b",     // repeated fields join with commas
				"HTTP_COOKIE":       "a=1; b=2", // but Cookie with semicolons
				"wsgi.version":      "(1, 0)",
				"wsgi.url_scheme":   "http",
				"wsgi.multithread":  "False",
				"wsgi.multiprocess": multiprocess,
				"wsgi.run_once":     "False",
			}
			for k, v := range want {
				if got, ok := env[k]; !ok || got != v {
					t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range []string{"SERVER_NAME", "REMOTE_PORT", "wsgi.input", "wsgi.errors"} {
				if env[k] == "" {
					t.Errorf("%s missing or empty", k)
				}
			}
			// Content-* are CGI variables, not HTTP_ ones; a name with an
			// underscore would pass for X-Under.
			for _, k := range []string{"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_X_UNDER"} {
				if v, ok := env[k]; ok {
					t.Errorf("%s = %q, want it absent", k, v)
				}
			}
			if got := s.complaints(); len(got) > 0 {
				t.Errorf("the validator complained:\n%s", strings.Join(got, "\n"))
			}
		})
	}
}

// TestSeedWire checks that --wire seed writes the application's response
// as the article's finish_response does, byte for byte, in both forking
// and iterative servers: its own Date and Server after the application's
// headers, no Content-Length, a body even for HEAD.
func TestSeedWire(t *testing.T) {
	const want = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" +
		"Date: Tue, 31 Mar 2015 12:54:48 GMT\r\nServer: WSGIServer 0.2\r\n\r\n" + helloBody
	rows := []struct{ name, req string }{
		// client3's request
		{"get", "GET /hello HTTP/1.1\nHost: localhost:8888\n\n"},
		// the article's server never looks at the method: HEAD gets the body too
		{"head", "HEAD /hello HTTP/1.1\r\n\r\n"},
	}
	for _, mode := range []string{"iterative", "forking"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := start(t, "--mode", mode, "--wire", "seed", "--app", bareApp)
			for _, r := range rows {
				if _, got := exchange(t, s.port, r.req); got != want {
					t.Errorf("%s: got %q, want %q", r.name, got, want)
				}
			}
		})
	}
}
