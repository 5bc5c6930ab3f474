package corpus_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/corpus"
)

// idle is the C and Go specimens' --idle-timeout here: the slow cases wait
// this long plus the margin.
const idle = 2 * time.Second

// specimen is how to start one server on a port.
type specimen struct {
	name string
	idle time.Duration // its idle timeout, for the slow cases
	argv func(port int) []string
	dir  string // working directory; "" for the test's own
}

// TestSpecimens runs the whole corpus against every specimen the lab
// builds without Docker: the C models with the host's cc, the Go
// goroutines model, and the Python WSGI server. Every case must pass,
// and the specimen must be alive after it.
func TestSpecimens(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the C specimens are Linux programs (epoll, SO_REUSEPORT)")
	}
	if testing.Short() {
		t.Skip("runs every case against eight servers (about 20 s); skipped with -short")
	}
	bin := t.TempDir()
	if out, err := exec.Command("make", "-C", "../../servers/c", "-j4", "OUT="+bin, "all").CombinedOutput(); err != nil {
		t.Fatalf("make the C specimens: %v\n%s", err, out)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if out, err := exec.Command(gobin, "build", "-o", filepath.Join(bin, "goroutines"),
		"github.com/serverlab/serverlab/servers/go/goroutines").CombinedOutput(); err != nil {
		t.Fatalf("go build goroutines: %v\n%s", err, out)
	}
	http := func(name string, extra ...string) specimen {
		return specimen{name: name, idle: idle, argv: func(port int) []string {
			return append([]string{filepath.Join(bin, name), "--port", strconv.Itoa(port),
				"--wire", "http", "--idle-timeout", idle.String()}, extra...)
		}}
	}
	specimens := []specimen{
		http("epoll"), http("uring"), http("select"), http("threads"), http("prefork"), http("iterative"),
		http("forking", "--reap", "waitpid-loop", "--restart-accept"),
		http("goroutines"),
	}
	if python, err := exec.LookPath("python3"); err != nil {
		t.Log("no python3: the WSGI server is not tested")
	} else {
		specimens = append(specimens, specimen{name: "python", idle: idle, dir: "../../servers/python",
			argv: func(port int) []string {
				return []string{python, "wsgiserver.py", "--mode", "forking", "--wire", "http",
					"--port", strconv.Itoa(port), "--app", "apps.wsgiapp:app", "--idle-timeout", idle.String()}
			}})
	}
	// The runs are mostly waiting (idle timeouts, lingering closes): they
	// go at once, not -parallel at a time, each specimen on its own port.
	runs := make([][]corpus.Result, len(specimens))
	var wg sync.WaitGroup
	for i, s := range specimens {
		port := start(t, s)
		wg.Go(func() {
			results, err := corpus.Run(context.Background(), corpus.Cases(),
				corpus.WithTarget("127.0.0.1", port), corpus.WithIdle(s.idle))
			if err != nil {
				t.Error(err)
				return
			}
			for r := range results {
				runs[i] = append(runs[i], r)
			}
		})
	}
	wg.Wait()
	for i, s := range specimens {
		t.Run(s.name, func(t *testing.T) {
			if n := len(runs[i]); n != len(corpus.Cases()) {
				t.Errorf("got %d results, want %d", n, len(corpus.Cases()))
			}
			for _, r := range runs[i] {
				t.Run(r.Case, func(t *testing.T) { check(t, s.name, r) })
			}
		})
	}
}

// check passes r if it violates nothing, and fails it otherwise, saying
// what the specimen did.
func check(t *testing.T, name string, r corpus.Result) {
	if r.Violation != "" {
		t.Errorf("%s: statuses %v, end %s, allowed %s: %s\n  (%s)",
			name, r.Statuses, r.End(), r.Allowed, r.Violation, r.RFC)
	}
}

// start runs s on a free loopback port until the test ends, and returns
// the port once s has logged that it listens.
func start(t *testing.T, s specimen) int {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		argv := s.argv(port)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = s.dir
		ended, err := launch(cmd)
		if err == nil {
			t.Cleanup(func() { stop(t, cmd, ended) })
			return port
		}
		// Another test may have taken the port between the probe and bind.
		if attempt == 3 {
			t.Fatalf("start %s: %v", s.name, err)
		}
	}
}

// launch starts cmd and waits for its "listening " line on stderr; the
// rest of stderr is drained, so that the server never blocks on it, until
// it ends: then ended closes.
func launch(cmd *exec.Cmd) (chan struct{}, error) {
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	listening, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(stderr)
		for found := false; sc.Scan(); {
			if !found && strings.HasPrefix(sc.Text(), catalogue.LogListening) {
				found = true
				close(listening)
			}
		}
	}()
	select {
	case <-listening:
		return ended, nil
	case <-ended:
	case <-time.After(10 * time.Second):
	}
	_ = cmd.Process.Kill()
	<-ended
	_ = cmd.Wait()
	return nil, fmt.Errorf("%s: no %q line", cmd.Path, catalogue.LogListening)
}

// stop sends SIGTERM, and SIGKILL if that is not enough within 5 s.
func stop(t *testing.T, cmd *exec.Cmd, ended chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		t.Errorf("%s: still running 5 s after SIGTERM", cmd.Path)
		<-ended
	}
	_ = cmd.Wait()
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
