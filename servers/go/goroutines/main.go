// goroutines: a goroutine per connection (blocking code per client, as in
// forking.c) at the price of a few KiB of stack instead of a process; Go's
// runtime multiplexes them over epoll and GOMAXPROCS threads.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"unicode"

	"golang.org/x/sys/unix"

	"github.com/serverlab/serverlab/servers/go/http1"
)

const model = "goroutines"

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stdout, usage, os.Args[0])
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n"+usage, os.Args[0], err, os.Args[0])
		os.Exit(2)
	}
	exitOnSignal()
	os.Exit(run(o))
}

// run listens and serves until accept fails, and returns the exit status.
func run(o options) int {
	// --backlog changes nothing: Go's listener always passes the kernel's
	// net.core.somaxconn (read from /proc) to listen(2). It is accepted and
	// logged so that every specimen takes the same command line. Go sets
	// SO_REUSEADDR on listeners itself, as open_listener does.
	l, err := net.Listen("tcp4", "0.0.0.0:"+strconv.Itoa(o.port))
	if err != nil {
		logLine("%s", failure(err))
		return 1
	}
	// GOMAXPROCS follows the container's CPU limit (see gomaxprocs), so
	// the log says what --cpus gave us.
	limit, limited := cpuLimit("/")
	if n := gomaxprocs(runtime.GOMAXPROCS(0), limit, limited, os.Getenv("GOMAXPROCS")); n != runtime.GOMAXPROCS(0) {
		runtime.GOMAXPROCS(n) // which ends the runtime's own updates: the limit is fixed per container
	}
	logLine("listening port=%d backlog=%d pid=%d model=%s gomaxprocs=%d delay_ms=%d wire=%s idle_timeout_ms=%d",
		o.port, o.backlog, os.Getpid(), model, runtime.GOMAXPROCS(0),
		o.delay.Milliseconds(), o.wire, o.idleTimeout.Milliseconds())
	// Nothing is logged per connection: no "accept fd=N", since net.Conn
	// hides its descriptor (only SyscallConn reaches it), and no parent
	// tells a child's story. The agent counts descriptors in /proc.
	if o.wire == wireSeed {
		err = serveSeed(l, o.delay)
	} else {
		err = http1.Serve(l, http.HandlerFunc(hello), http1.WithDelay(o.delay),
			http1.WithIdleTimeout(o.idleTimeout), http1.WithServer("serverlab-"+model))
	}
	logLine("%s", failure(err))
	return 1
}

// exitOnSignal makes SIGTERM and SIGINT log "exit signal=NAME" and exit(0)
// at once, as the C specimens do. Unhandled, Go dies of them by re-raising
// them with the default action, which the kernel ignores for PID 1 in a
// container; the runtime then falls back to exit(2), a moment later.
func exitOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		sig := <-ch
		logLine("exit signal=%s", unix.SignalName(sig.(syscall.Signal)))
		os.Exit(0)
	}()
}

// logLine writes one line to stderr with a single write(2), so that lines
// never interleave.
func logLine(format string, a ...any) {
	os.Stderr.Write(fmt.Appendf(nil, format+"\n", a...))
}

// failure is the line a failed call is logged as, the C specimens'
// log_error format: "call: ERRNONAME (strerror)", e.g.
// "accept: EMFILE (Too many open files)". Without an errno: "call: error".
func failure(err error) string {
	call := "serve"
	var sys *os.SyscallError
	var op *net.OpError
	if errors.As(err, &sys) {
		call = sys.Syscall
	} else if errors.As(err, &op) {
		call = op.Op
	}
	if call == "accept4" {
		call = "accept" // Go calls accept4(2); the log word is the C specimens' "accept"
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return call + ": " + err.Error()
	}
	name := unix.ErrnoName(errno)
	if name == "" {
		name = strconv.Itoa(int(errno))
	}
	return fmt.Sprintf("%s: %s (%s)", call, name, strerror(errno))
}

// strerror is glibc's text for errno: Go's table has it with a lowercase
// first letter ("too many open files").
func strerror(errno syscall.Errno) string {
	s := []rune(errno.Error())
	if len(s) > 0 {
		s[0] = unicode.ToUpper(s[0])
	}
	return string(s)
}
