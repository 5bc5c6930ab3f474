package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestMain runs main instead of the tests when the test binary is started
// as the specimen (see specimen), so that the tests can watch the real
// process: its log, its signals, its exit status.
func TestMain(m *testing.M) {
	if os.Getenv("GOROUTINES_SPECIMEN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// specimen starts this test binary as the specimen with args.
func specimen(t *testing.T, env []string, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "GOROUTINES_SPECIMEN=1"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, bufio.NewReader(stderr)
}

// freePort returns a port nobody listens on, most likely.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestLogAndSignals(t *testing.T) {
	limit, limited := cpuLimit("/")
	procs := gomaxprocs(runtime.GOMAXPROCS(0), limit, limited, os.Getenv("GOMAXPROCS"))
	tests := []struct {
		name string
		sig  syscall.Signal
		env  []string
		args []string
		want string // the listening line, as a regexp
	}{
		// The defaults; GOMAXPROCS as this machine's CPUs and limit make it.
		{"SIGTERM", syscall.SIGTERM, nil, nil,
			fmt.Sprintf(`^listening port=\d+ backlog=5 pid=\d+ model=goroutines gomaxprocs=%d delay_ms=0 wire=http idle_timeout_ms=5000$`, procs)},
		// Every flag shows; GOMAXPROCS=1 as a 1-CPU container gets it.
		{"SIGINT", syscall.SIGINT, []string{"GOMAXPROCS=1"}, []string{"--backlog", "0", "--delay", "2s", "--wire", "seed", "--idle-timeout", "250ms"},
			`^listening port=\d+ backlog=0 pid=\d+ model=goroutines gomaxprocs=1 delay_ms=2000 wire=seed idle_timeout_ms=250$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := freePort(t)
			cmd, log := specimen(t, tt.env, append([]string{"--port", fmt.Sprint(port)}, tt.args...)...)
			first, err := log.ReadString('\n')
			if err != nil {
				t.Fatalf("no listening line: %v", err)
			}
			if !regexp.MustCompile(tt.want).MatchString(strings.TrimSuffix(first, "\n")) {
				t.Errorf("got  %q\nwant %s", first, tt.want)
			}
			m := regexp.MustCompile(`port=(\d+) backlog=\d+ pid=(\d+) `).FindStringSubmatch(first)
			if m == nil || m[1] != fmt.Sprint(port) || m[2] != fmt.Sprint(cmd.Process.Pid) {
				t.Errorf("%q: want port=%d pid=%d", first, port, cmd.Process.Pid)
			}
			// It serves, and logs nothing per connection.
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprint(c, "GET /hello HTTP/1.0\r\n\r\n")
			if status, _ := bufio.NewReader(c).ReadString('\n'); !strings.HasPrefix(status, "HTTP/1.1 200 OK") {
				t.Errorf("status line %q, want 200", status)
			}
			c.Close()
			cmd.Process.Signal(tt.sig)
			last, _ := log.ReadString('\n')
			if got, want := last, "exit signal="+map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[tt.sig]+"\n"; got != want {
				t.Errorf("last line %q, want %q", got, want)
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("exit: %v, want status 0", err)
			}
		})
	}
}

func TestExitStatus(t *testing.T) {
	busy, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string // its start
	}{
		// A port in use: the failing call, its errno's name and glibc's text.
		{"bind", []string{"--port", fmt.Sprint(busy.Addr().(*net.TCPAddr).Port)}, 1, "bind: EADDRINUSE (Address already in use)\n"},
		// A bad value or flag: usage on stderr, status 2.
		{"bad value", []string{"--port", "x"}, 2, os.Args[0] + ": invalid value"},
		{"unknown flag", []string{"--workers", "2"}, 2, os.Args[0] + ": flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), "GOROUTINES_SPECIMEN=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.status {
				t.Errorf("exit %v, want status %d", err, tt.status)
			}
			if !strings.HasPrefix(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want it to start %q", stderr.String(), tt.stderr)
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "--help")
		cmd.Env = append(os.Environ(), "GOROUTINES_SPECIMEN=1")
		out, err := cmd.Output()
		if err != nil || !strings.HasPrefix(string(out), "usage: ") {
			t.Errorf("--help: %v, stdout %q; want status 0 and usage", err, out)
		}
	})
}

func TestFailure(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		// accept4(2) is logged as the C specimens' "accept".
		{"EMFILE", &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)},
			"accept: EMFILE (Too many open files)"},
		{"ENFILE", &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.ENFILE)},
			"accept: ENFILE (Too many open files in system)"},
		// A listen that fails in bind(2).
		{"EADDRINUSE", &net.OpError{Op: "listen", Net: "tcp4", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)},
			"bind: EADDRINUSE (Address already in use)"},
		// No errno: the operation and the error.
		{"closed", &net.OpError{Op: "accept", Net: "tcp", Err: net.ErrClosed},
			"accept: accept tcp: use of closed network connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := failure(tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
