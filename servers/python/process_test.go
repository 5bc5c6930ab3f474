package wsgi_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

// acceptCalls are the numbers of accept(2) and accept4(2), as the first
// field of /proc/PID/syscall shows them while a process blocks there.
var acceptCalls = map[string][]string{
	"amd64": {"43", "288"},
	"arm64": {"202", "242"},
}

// blockedIn says which system call pid is blocked in: the first field of
// /proc/PID/syscall ("" when it cannot be read: ptrace rules).
func blockedIn(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", pid))
	if err != nil {
		return ""
	}
	return strings.Fields(string(b) + " ")[0]
}

// TestForkingWaitOnceSurvivesEINTR replays webserver3e under Python: the
// child's exit raises SIGCHLD while the parent blocks in accept(2). The C
// 3e dies there of accept: EINTR; CPython runs the handler and calls
// accept(2) again (PEP 475), so the next client is served.
func TestForkingWaitOnceSurvivesEINTR(t *testing.T) {
	const delay = 500 * time.Millisecond
	s := start(t, "--mode", "forking-wait-once", "--delay", "500ms", "--app", bareApp)

	// First client: read the reply, which comes at once; the child then
	// sleeps the delay before it closes and exits.
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), replyTimeout)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(replyTimeout))
	if _, err := io.WriteString(conn, get("/hello")); err != nil {
		t.Fatalf("send: %v", err)
	}
	var raw []byte
	buf := make([]byte, 4096)
	for !client.Complete(raw) {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("first reply: %v after %q", err, raw)
		}
		raw = append(raw, buf[:n]...)
	}
	replied := time.Now()

	// While the child sleeps, the parent must get back into accept(2), so
	// that the SIGCHLD lands there.
	if calls, ok := acceptCalls[runtime.GOARCH]; ok {
		got := blockedIn(s.pid)
		for got != calls[0] && got != calls[1] && got != "" && time.Since(replied) < delay-100*time.Millisecond {
			time.Sleep(10 * time.Millisecond)
			got = blockedIn(s.pid)
		}
		switch {
		case got == "":
			t.Logf("/proc/%d/syscall unreadable: not checking that the parent blocks in accept", s.pid)
		case got != calls[0] && got != calls[1]:
			t.Fatalf("parent in system call %s when the child exits, want accept (%s)", got, strings.Join(calls, " or "))
		}
	}
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("first client's EOF: %v", err)
	}
	if waited := time.Since(replied); waited < delay-50*time.Millisecond {
		t.Errorf("EOF %v after the reply, want the --delay of %v", waited, delay)
	}

	fork := s.waitFor(catalogue.LogFork, time.Second)
	if fork == "" {
		t.Fatalf("no %q line; log:\n%s", catalogue.LogFork, s.log())
	}
	reap := fmt.Sprintf("%s%d status=0", catalogue.LogReap, field(t, fork, "child"))
	if s.waitFor(reap, 3*time.Second) == "" {
		t.Fatalf("no %q line: the child was not reaped; log:\n%s", reap, s.log())
	}
	// No client came in between: the handler ran while the parent was in
	// accept(2), which the signal interrupted.
	if n := len(s.matching(catalogue.LogAccept)); n != 1 {
		t.Errorf("%d %q lines before the second client, want 1", n, catalogue.LogAccept)
	}

	rep, _, err := fetch(s.port, get("/hello"))
	if err != nil || rep.Status != 200 || string(rep.Body) != helloBody {
		t.Errorf("second client: %d %q (%v), want 200 %q; log:\n%s", rep.Status, rep.Body, err, helloBody, s.log())
	}
	if got := s.matching(catalogue.Failed("accept", catalogue.EINTR)); len(got) > 0 {
		t.Errorf("logged %q: the interpreter should have retried accept()", got)
	}
	if code := s.wait(0); code != -1 {
		t.Errorf("the server exited (%d); log:\n%s", code, s.log())
	}
}

// TestForkingReapsEveryChild sends 32 clients at once to the forking model,
// whose SIGCHLD handler loops on waitpid(-1, WNOHANG): every forked child
// is reaped, with status 0, and none is left a zombie in /proc.
func TestForkingReapsEveryChild(t *testing.T) {
	const clients = 32
	s := start(t, "--mode", "forking", "--app", bareApp)
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, _, err := fetch(s.port, get("/hello"))
			if err == nil && (rep.Status != 200 || string(rep.Body) != helloBody) {
				err = fmt.Errorf("got %d %q", rep.Status, rep.Body)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("client: %v", err)
		}
	}

	forks := s.waitCount(catalogue.LogFork, clients, 5*time.Second)
	reaps := s.waitCount(catalogue.LogReap, clients, 5*time.Second)
	if len(forks) != clients || len(reaps) != clients {
		t.Fatalf("%d forks and %d reaps, want %d of each; log:\n%s", len(forks), len(reaps), clients, s.log())
	}
	reaped := map[string]bool{}
	for _, l := range reaps {
		reaped[strings.TrimPrefix(l, catalogue.LogReap)] = true
	}
	for _, l := range forks {
		if want := strings.TrimPrefix(l, catalogue.LogFork) + " status=0"; !reaped[want] {
			t.Errorf("child %s: no %q line", strings.TrimPrefix(l, catalogue.LogFork), catalogue.LogReap+want)
		}
	}
	snap, err := agent.Read("/proc", s.port)
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	if z := snap.Zombies(s.pid); len(z) > 0 {
		t.Errorf("%d zombies among the server's children: %+v", len(z), z)
	}
	if c := snap.Children(s.pid); len(c) > 0 {
		t.Errorf("%d children left: %+v", len(c), c)
	}
}

// TestExitSignals checks that SIGTERM and SIGINT end the server at once,
// idle in accept or inside a slow view, with its last words and status 0:
// as PID 1 in a container an unhandled SIGTERM would be ignored.
func TestExitSignals(t *testing.T) {
	rows := []struct {
		name string
		mode string
		sig  syscall.Signal
		busy bool // a client waits in /slow?seconds=10 when the signal comes
	}{
		// idle, blocked in accept(2)
		{"term-idle", "iterative", syscall.SIGTERM, false},
		// Ctrl-C
		{"int-idle", "iterative", syscall.SIGINT, false},
		// inside the application's time.sleep
		{"term-busy", "iterative", syscall.SIGTERM, true},
		// the forking parent, with a child busy
		{"term-forking", "forking", syscall.SIGTERM, true},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, "--mode", r.mode, "--app", bareApp)
			if r.busy {
				go func() { _, _, _ = fetch(s.port, get("/slow?seconds=10")) }()
				if s.waitFor(catalogue.LogAccept, time.Second) == "" {
					t.Fatalf("the slow client was not accepted; log:\n%s", s.log())
				}
				time.Sleep(200 * time.Millisecond)
			}
			sent := time.Now()
			if err := s.cmd.Process.Signal(r.sig); err != nil {
				t.Fatalf("signal: %v", err)
			}
			if code := s.wait(2 * time.Second); code != 0 {
				t.Fatalf("exit %d (-1: still running), want 0; log:\n%s", code, s.log())
			}
			if took := time.Since(sent); took > time.Second {
				t.Errorf("exited %v after the signal, want at once", took)
			}
			want := "exit signal=" + map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[r.sig]
			if s.waitFor(want, time.Second) == "" {
				t.Errorf("no %q line; log:\n%s", want, s.log())
			}
		})
	}
}

// listening is the first line's shape; the harness waits for its start.
var listening = regexp.MustCompile(`^listening port=\d+ backlog=(\d+) pid=\d+ model=(\S+) app=(\S+) wire=(seed|http) delay_ms=(\d+) validate=[01]$`)

// TestListening checks the first line and the article's backlog for each
// model: webserver2's 1, webserver3h's 1024, webserver3e's 5.
func TestListening(t *testing.T) {
	rows := []struct {
		args    []string
		backlog string
		model   string
		delay   string
	}{
		{[]string{"--mode", "iterative"}, "1", "wsgi-iterative", "0"},
		{[]string{"--mode", "forking"}, "1024", "wsgi-forking", "0"},
		{[]string{"--mode", "forking-wait-once", "--delay", "2s"}, "5", "wsgi-forking-wait-once", "2000"},
		// an explicit backlog, 0 included, goes to listen() as given
		{[]string{"--mode", "forking", "--backlog", "0", "--delay", "250ms"}, "0", "wsgi-forking", "250"},
	}
	for _, r := range rows {
		t.Run(strings.Join(r.args, " "), func(t *testing.T) {
			t.Parallel()
			s := start(t, append(r.args, "--app", bareApp)...)
			line := s.snapshot()[0]
			m := listening.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("first line %q, want %s", line, listening)
			}
			if got := [...]string{m[1], m[2], m[3], m[5]}; got != [...]string{r.backlog, r.model, bareApp, r.delay} {
				t.Errorf("backlog, model, app, delay_ms = %q, want %q", got, [...]string{r.backlog, r.model, bareApp, r.delay})
			}
		})
	}
}

// TestFailures checks how the server fails to start: usage errors exit 2,
// a setup failure logs the call and its errno name and exits 1.
func TestFailures(t *testing.T) {
	taken, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { taken.Close() }) // not defer: the subtests run after this function returns
	busy := strconv.Itoa(taken.Addr().(*net.TCPAddr).Port)
	rows := []struct {
		name string
		args []string
		code int
		log  string // the start of a line it must log
	}{
		// no such model
		{"mode", []string{"--mode", "threads"}, 2, "wsgiserver.py: error: argument --mode"},
		// durations are 0, 250ms, 2s
		{"delay", []string{"--delay", "3x"}, 2, "wsgiserver.py: error: argument --delay"},
		{"port", []string{"--port", "70000"}, 2, "wsgiserver.py: error: argument --port"},
		// the application cannot be imported
		{"module", []string{"--app", "nosuchmodule:app"}, 1, "app: cannot load nosuchmodule:app: ModuleNotFoundError"},
		// module:callable, not a module
		{"callable", []string{"--app", "apps.wsgiapp"}, 1, "app: cannot load apps.wsgiapp: ValueError"},
		// someone listens there already: the errno's name, as the C specimens log it
		{"bind", []string{"--port", busy, "--app", bareApp}, 1, "bind: EADDRINUSE (Address already in use)"},
		// no application: the usage line, as webserver2.py prints it
		{"no app", nil, 1, "usage: wsgiserver.py [flags] MODULE:CALLABLE: provide a WSGI application object as module:callable"},
		// the application given twice
		{"two apps", []string{"--app", bareApp, bareApp}, 2, "wsgiserver.py: error: the application twice"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			s := launch(t, r.args...)
			if code := s.wait(startTimeout); code != r.code {
				t.Errorf("exit %d, want %d; log:\n%s", code, r.code, s.log())
			}
			if s.waitFor(r.log, time.Second) == "" {
				t.Errorf("no line starting %q; log:\n%s", r.log, s.log())
			}
			if s.waitFor(catalogue.LogListening, 0) != "" {
				t.Errorf("logged %q, then failed", catalogue.LogListening)
			}
		})
	}
}
