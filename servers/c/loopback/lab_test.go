// Package loopback_test builds the C specimens of servers/c with the host's
// cc and checks each over loopback, without Docker: both wires, HTTP/1.1
// conformance, timeouts, the lingering close, and every model at its limit.
package loopback_test

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// specimens are the models this folder builds, as the Makefile names them.
var specimens = []string{"iterative", "forking", "select", "epoll", "uring", "prefork", "threads"}

const (
	seedReply = catalogue.SeedReply // the article's bytes, bare LF
	helloBody = catalogue.HelloBody
	hello     = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
)

// lab is what every check needs: where the binaries are and the log words.
type lab struct {
	bin   string
	words map[string]string // common.h's LOG_ macros
}

// TestSpecimens builds every specimen once, then runs each check against
// the specimens it concerns, in parallel.
func TestSpecimens(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the specimens are Linux programs (epoll, SO_REUSEPORT, /proc)")
	}
	l := &lab{bin: t.TempDir(), words: logWords(t)}
	out, err := exec.Command("make", "-C", "..", "-j4", "OUT="+l.bin, "all").CombinedOutput()
	if err != nil {
		t.Fatalf("make all: %v\n%s", err, out)
	}
	t.Run("flags", l.testFlags)
	t.Run("die", l.testDie)
	for _, name := range specimens {
		t.Run("conformance/"+name, func(t *testing.T) { t.Parallel(); l.testConformance(t, name) })
		t.Run("pipelining/"+name, func(t *testing.T) { t.Parallel(); l.testPipelining(t, name) })
		t.Run("linger/"+name, func(t *testing.T) { t.Parallel(); l.testLinger(t, name) })
		t.Run("timeouts/"+name, func(t *testing.T) { t.Parallel(); l.testTimeouts(t, name) })
		t.Run("seed/"+name, func(t *testing.T) { t.Parallel(); l.testSeed(t, name) })
		t.Run("delay/"+name, func(t *testing.T) { t.Parallel(); l.testDelay(t, name) })
	}
	t.Run("forking/reap", func(t *testing.T) { t.Parallel(); l.testReap(t) })
	for _, name := range []string{"epoll", "uring"} {
		t.Run(name+"/block", func(t *testing.T) { t.Parallel(); l.testBlock(t, name) })
	}
	for _, name := range []string{"select", "epoll", "uring"} {
		t.Run("emfile/"+name, func(t *testing.T) { t.Parallel(); l.testEMFILE(t, name) })
	}
	t.Run("prefork/workers", func(t *testing.T) { t.Parallel(); l.testWorkers(t) })
	t.Run("prefork/restart", func(t *testing.T) { t.Parallel(); l.testRestart(t) })
	t.Run("select/fd_setsize", func(t *testing.T) { t.Parallel(); l.testFDSetSize(t) })
	t.Run("threads/max-threads", func(t *testing.T) { t.Parallel(); l.testMaxThreads(t) })
	t.Run("threads/eagain", func(t *testing.T) { t.Parallel(); l.testThreadsEAGAIN(t) })
}

// logWords reads the LOG_ macros of common.h: the strings the harness
// matches, taken from the header itself so that the checks below use
// exactly what the specimens write.
func logWords(t *testing.T) map[string]string {
	src, err := os.ReadFile("../common.h")
	if err != nil {
		t.Fatalf("read common.h: %v", err)
	}
	words := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^#define (LOG_\w+) "([^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		words[m[1]] = m[2]
	}
	for _, name := range []string{"LOG_LISTENING", "LOG_ACCEPT", "LOG_WORKER", "LOG_FORK", "LOG_REAP",
		"LOG_RESTART", "LOG_EXIT", "LOG_EXITED", "LOG_REFUSED", "LOG_MAX_THREADS"} {
		if words[name] == "" {
			t.Fatalf("common.h defines no %s", name)
		}
	}
	// The harness matches the same words, defined once on its side too.
	for macro, goSide := range map[string]string{
		"LOG_LISTENING": catalogue.LogListening, "LOG_ACCEPT": catalogue.LogAccept, "LOG_WORKER": catalogue.LogWorker,
		"LOG_FORK": catalogue.LogFork, "LOG_REAP": catalogue.LogReap, "LOG_RESTART": catalogue.LogRestart,
	} {
		if words[macro] != goSide {
			t.Errorf("common.h's %s is %q, the harness's %q", macro, words[macro], goSide)
		}
	}
	return words
}

// server is a running specimen and the lines it has logged.
type server struct {
	name  string
	port  int
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	grew  chan struct{} // closed, and replaced, when a line arrives
	ended chan struct{} // closed when stderr ends
}

// start runs a specimen on a free loopback port and waits for it to listen;
// it is stopped, with SIGTERM, when the test ends.
func (l *lab) start(t *testing.T, name string, args ...string) *server {
	return l.startWith(t, nil, name, args...)
}

// startWith starts it through launcher (e.g. a shell that raises a limit).
func (l *lab) startWith(t *testing.T, launcher []string, name string, args ...string) *server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		s, err := l.launch(launcher, name, freePort(t), args)
		if err == nil {
			t.Cleanup(func() { l.stop(t, s) })
			return s
		}
		// Another test may have taken the port between our probe and bind.
		if attempt < 3 && strings.Contains(err.Error(), "EADDRINUSE") {
			continue
		}
		t.Fatalf("start %s %v: %v", name, args, err)
	}
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (l *lab) launch(launcher []string, name string, port int, args []string) (*server, error) {
	argv := append(append(append([]string(nil), launcher...), filepath.Join(l.bin, name), "--port", strconv.Itoa(port)), args...)
	s := &server{name: name, port: port, cmd: exec.Command(argv[0], argv[1:]...),
		grew: make(chan struct{}), ended: make(chan struct{})}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(s.ended)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, sc.Text())
			close(s.grew)
			s.grew = make(chan struct{})
			s.mu.Unlock()
		}
	}()
	if _, ok := s.find(prefix(l.words["LOG_LISTENING"]), 5*time.Second); !ok {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		return nil, fmt.Errorf("no %q line; log: %q", l.words["LOG_LISTENING"], s.log())
	}
	return s, nil
}

// stop sends SIGTERM and checks that the server's last words are its own.
func (l *lab) stop(t *testing.T, s *server) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { <-s.ended; _ = s.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-exited
		t.Errorf("%s: still running 5s after SIGTERM", s.name)
	}
	log := s.log()
	if last := log[len(log)-1]; !strings.HasPrefix(last, l.words["LOG_EXIT"]+"SIGTERM") {
		t.Errorf("%s: last log line %q, want %q", s.name, last, l.words["LOG_EXIT"]+"SIGTERM")
	}
	if t.Failed() {
		t.Logf("%s log (last 30 lines):\n%s", s.name, strings.Join(tail(log, 30), "\n"))
	}
}

func tail(lines []string, n int) []string {
	if len(lines) > n {
		return lines[len(lines)-n:]
	}
	return lines
}

func (s *server) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

func prefix(p string) func(string) bool {
	return func(l string) bool { return strings.HasPrefix(l, p) }
}

// find waits up to within for a line that matches.
func (s *server) find(match func(string) bool, within time.Duration) (string, bool) {
	lines := s.await(match, 1, within)
	if len(lines) == 0 {
		return "", false
	}
	return lines[0], true
}

// await waits up to within for n lines that match, and returns those there
// are: lines come through a pipe, a little after the server wrote them.
func (s *server) await(match func(string) bool, n int, within time.Duration) []string {
	deadline := time.After(within)
	ended := s.ended
	for {
		s.mu.Lock()
		grew := s.grew
		var found []string
		for _, l := range s.lines {
			if match(l) {
				found = append(found, l)
			}
		}
		s.mu.Unlock()
		if len(found) >= n || ended == nil {
			return found // enough, or stderr has ended and the last lines were looked at
		}
		select {
		case <-grew:
		case <-ended:
			ended = nil
		case <-deadline:
			return found
		}
	}
}

func (s *server) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(s.port), 3*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", s.name, err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}
