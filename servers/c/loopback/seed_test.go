// The seed wire, the delay, the server's last words, the flags.

package loopback_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testSeed checks the article's wire: whatever one recv() brings, the same
// bytes, then the delay, then EOF.
func (l *lab) testSeed(t *testing.T, name string) {
	const delay = 300 * time.Millisecond
	s := l.start(t, name, "--wire", "seed", "--delay", "300ms")
	for _, row := range []struct {
		name, send string
		shut       bool // half-close after sending
	}{
		{"request", "GET /hello HTTP/1.1\nHost: localhost\n\n", false}, // client3's request
		{"garbage", "\x00\x01 not HTTP at all \xff\r\n", false},        // anything at all
		{"nothing", "", true}, // EOF, and not a byte
	} {
		t.Run(row.name, func(t *testing.T) {
			c := s.dial(t)
			defer c.Close()
			start := time.Now()
			if _, err := c.Write([]byte(row.send)); err != nil {
				t.Fatal(err)
			}
			if row.shut {
				_ = c.(*net.TCPConn).CloseWrite()
			}
			got := make([]byte, len(seedReply))
			if _, err := io.ReadFull(c, got); err != nil || string(got) != seedReply {
				t.Fatalf("got %q, %v; want %q", got, err, seedReply)
			}
			replied := time.Since(start)
			rest, err := io.ReadAll(c)
			eof := time.Since(start)
			if err != nil || len(rest) > 0 {
				t.Errorf("after the reply: %q, %v; want EOF", rest, err)
			}
			if replied > delay/2 || eof < delay-20*time.Millisecond {
				t.Errorf("reply after %v, EOF after %v; want the reply at once, EOF after %v", replied, eof, delay)
			}
		})
	}
}

// testDelay checks --delay on the http wire: each reply is followed by the
// delay before the next request is read.
func (l *lab) testDelay(t *testing.T, name string) {
	const delay = 300 * time.Millisecond
	s := l.start(t, name, "--delay", "300ms")
	c := s.dial(t)
	defer c.Close()
	br := bufio.NewReader(c)
	start := time.Now()
	if _, err := c.Write([]byte(hello + "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	var at []time.Duration
	for i := 0; i < 2; i++ {
		if _, err := readReply(br, false); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		at = append(at, time.Since(start))
	}
	expectEOF(t, c, br)
	at = append(at, time.Since(start))
	if at[0] > delay/2 || at[1] < delay-20*time.Millisecond || at[2] < 2*delay-20*time.Millisecond {
		t.Errorf("replies at %v and %v, EOF at %v; want 0, %v, %v", at[0], at[1], at[2], delay, 2*delay)
	}
}

// testDie checks a setup failure: the failing call, its errno name, exit 1.
func (l *lab) testDie(t *testing.T) {
	s := l.start(t, "iterative")
	out, err := exec.Command(filepath.Join(l.bin, "iterative"), "--port", strconv.Itoa(s.port)).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("second server on port %d: %v, want exit status 1", s.port, err)
	}
	if got, want := string(out), "bind: EADDRINUSE ("; !strings.HasPrefix(got, want) {
		t.Errorf("last words %q, want %q...", got, want)
	}
}

// testFlags checks that bad values are refused with usage and status 2.
func (l *lab) testFlags(t *testing.T) {
	for _, row := range []struct {
		specimen string
		args     []string
	}{
		{"iterative", []string{"--wire", "tcp"}},        // only seed and http
		{"iterative", []string{"--idle-timeout", "5m"}}, // ms or s
		{"forking", []string{"--reap", "sometimes"}},    // none, wait-once, waitpid-loop
		{"epoll", []string{"--block=yes"}},              // a switch takes no value
		{"prefork", []string{"--workers", "0"}},         // at least one
		{"prefork", []string{"--accept", "fast"}},       // blocking, epoll, reuseport
		{"threads", []string{"--join", "never"}},        // detached or reaper
		{"threads", []string{"--max-threads", "-1"}},    // 0 or more
		{"select", []string{"--port", "8888", "stray"}}, // no arguments
	} {
		out, err := exec.Command(filepath.Join(l.bin, row.specimen), row.args...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "usage:") {
			t.Errorf("%s %v: %v, %q; want usage and exit status 2", row.specimen, row.args, err, short(string(out)))
		}
	}
}

// fetchAll runs n clients at once, each sending req and reading to EOF, and
// returns when each was done, from a common start.
func fetchAll(t *testing.T, s *server, n int, req string) []time.Duration {
	var wg sync.WaitGroup
	done := make([]time.Duration, n)
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(s.port), 5*time.Second)
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.Write([]byte(req)); err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			if got, err := io.ReadAll(c); err != nil || len(got) == 0 {
				t.Errorf("client %d: %d bytes, %v", i, len(got), err)
			}
			done[i] = time.Since(start)
		}(i)
	}
	wg.Wait()
	sort.Slice(done, func(i, j int) bool { return done[i] < done[j] })
	return done
}
