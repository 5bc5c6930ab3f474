// Each model at its limit: reaping, a blocking loop, EMFILE, prefork workers,
// FD_SETSIZE, threads.

package loopback_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// zombies counts the children of pid that have exited and not been waited for.
func zombies(t *testing.T, pid int) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	n := 0
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid ...": comm may hold anything, so from the last ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(pid) {
			n++
		}
	}
	return n
}

// testReap sends 64 clients at once to forking. Every child must end up
// reaped or a zombie; waitpid-loop must leave none, whereas wait-once may
// (SIGCHLDs that arrive together are one signal).
func (l *lab) testReap(t *testing.T) {
	const clients = 64
	for _, row := range []struct {
		reap   string
		noneOK bool // no zombie may remain
	}{
		{"wait-once", false},   // 3f: coalesced SIGCHLDs leave zombies, some runs
		{"waitpid-loop", true}, // 3g: never
	} {
		t.Run(row.reap, func(t *testing.T) {
			s := l.start(t, "forking", "--reap", row.reap, "--restart-accept", "--backlog", "128", "--wire", "seed")
			fetchAll(t, s, clients, "GET /hello HTTP/1.1\n\n")
			time.Sleep(300 * time.Millisecond) // the last SIGCHLDs
			forks := len(s.await(prefix(l.words["LOG_FORK"]), clients, time.Second))
			reaped := len(s.await(prefix(l.words["LOG_REAP"]), clients, 0))
			z := zombies(t, s.cmd.Process.Pid)
			t.Logf("%s: %d forks, %d reaped, %d zombies", row.reap, forks, reaped, z)
			if forks != clients {
				t.Errorf("forks %d, want %d", forks, clients)
			}
			if reaped+z != forks {
				t.Errorf("reaped %d + zombies %d = %d, want every fork: %d", reaped, z, reaped+z, forks)
			}
			if row.noneOK && z != 0 {
				t.Errorf("zombies %d, want 0", z)
			}
		})
	}
}

// testBlock sends 5 clients at once to an event loop (epoll, uring) with a 300ms delay: as a timer
// only each connection waits, so all finish near 300ms; with --block the
// loop itself sleeps, so they finish one after another (a staircase).
func (l *lab) testBlock(t *testing.T, name string) {
	const delay, clients = 300 * time.Millisecond, 5
	req := "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	t.Run("timer", func(t *testing.T) {
		s := l.start(t, name, "--delay", "300ms")
		done := fetchAll(t, s, clients, req)
		if last := done[clients-1]; last > 2*delay {
			t.Errorf("done at %v, want all near %v", done, delay)
		}
	})
	t.Run("block", func(t *testing.T) {
		s := l.start(t, name, "--delay", "300ms", "--block")
		done := fetchAll(t, s, clients, req)
		for i, d := range done {
			if want := time.Duration(i+1) * delay; d < want-100*time.Millisecond {
				t.Errorf("client %d done at %v, want a staircase: %v", i, d, want)
			}
		}
	})
}

// testEMFILE runs an event loop with RLIMIT_NOFILE 16 and opens 20
// connections: accept fails with EMFILE, and the loop stops accepting for a
// while instead of spinning on the readable listener or dying, then serves
// again once descriptors are back.
func (l *lab) testEMFILE(t *testing.T, name string) {
	s := l.startWith(t, []string{"sh", "-c", `ulimit -n 16 && exec "$0" "$@"`}, name, "--backlog", "32")
	var open []net.Conn
	for i := 0; i < 20; i++ {
		open = append(open, s.dial(t))
	}
	if _, ok := s.find(prefix("accept: EMFILE ("), 3*time.Second); !ok {
		t.Errorf("no %q line", "accept: EMFILE (")
	}
	for _, c := range open {
		c.Close()
	}
	hold(t, s).Close()
}

// hold opens a connection, gets a reply to a keep-alive request, and keeps
// it open: a worker or thread stays busy with it.
func hold(t *testing.T, s *server) net.Conn {
	c := s.dial(t)
	if _, err := c.Write([]byte(hello)); err != nil {
		t.Fatal(err)
	}
	if r, err := readReply(bufio.NewReader(c), false); err != nil || r.status != 200 {
		t.Fatalf("held connection: %d, %v", r.status, err)
	}
	return c
}

// waiting checks that a request on c gets no reply within d while every
// worker is busy, and a reply once one is freed by free.
func waiting(t *testing.T, c net.Conn, d time.Duration, free func()) {
	if _, err := c.Write([]byte(hello)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(d))
	if n, err := c.Read(make([]byte, 1)); n > 0 || err == nil {
		t.Errorf("a reply while every worker was busy")
	}
	free()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if r, err := readReply(bufio.NewReader(c), false); err != nil || r.status != 200 {
		t.Errorf("after a worker was freed: %d, %v; want 200", r.status, err)
	}
}

// testWorkers checks that every prefork worker accepts, and that the N+1th
// client waits while N are served.
func (l *lab) testWorkers(t *testing.T) {
	const workers = 4
	for _, mode := range []string{"blocking", "epoll", "reuseport"} {
		t.Run(mode, func(t *testing.T) {
			s := l.start(t, "prefork", "--workers", strconv.Itoa(workers), "--accept", mode)
			accepts := func(line string) bool {
				return strings.HasPrefix(line, l.words["LOG_ACCEPT"]) && workerField.MatchString(line)
			}
			seen := map[string]bool{}
			if mode == "reuseport" {
				// The kernel hashes each connection to a worker's socket: a held
				// connection would make the next one on the same socket wait, so
				// open short ones until every worker has taken one.
				for i := 1; i <= 400 && len(seen) < workers; i++ {
					c := s.dial(t)
					_, _ = c.Write([]byte("GET /hello HTTP/1.0\r\n\r\n"))
					_, _ = io.ReadAll(c)
					c.Close()
					for _, line := range s.await(accepts, i, time.Second) {
						seen[workerField.FindStringSubmatch(line)[1]] = true
					}
				}
			} else {
				// Held connections: each occupies its worker, so the next one
				// must be accepted by another.
				var held []net.Conn
				for i := 0; i < workers; i++ {
					held = append(held, hold(t, s))
				}
				for _, line := range s.await(accepts, workers, time.Second) {
					seen[workerField.FindStringSubmatch(line)[1]] = true
				}
				c := s.dial(t)
				waiting(t, c, 300*time.Millisecond, func() { held[0].Close() })
				c.Close()
				for _, h := range held[1:] {
					h.Close()
				}
			}
			if len(seen) != workers {
				t.Errorf("workers that accepted: %v, want all %d", seen, workers)
			}
		})
	}
}

// testRestart kills a worker and checks that the parent logs it and forks
// another, and that the server goes on serving.
func (l *lab) testRestart(t *testing.T) {
	s := l.start(t, "prefork", "--workers", "2")
	c := hold(t, s)
	line, ok := s.find(prefix(l.words["LOG_ACCEPT"]), time.Second)
	m := workerField.FindStringSubmatch(line)
	if !ok || m == nil {
		t.Fatalf("no accept line with a worker: %q", line)
	}
	pid, _ := strconv.Atoi(m[2])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.Close()
	want := fmt.Sprintf("worker %s pid=%d%s%d: %s", m[1], pid, l.words["LOG_EXITED"], 128+9, l.words["LOG_RESTART"])
	if _, ok := s.find(func(l string) bool { return l == want }, 3*time.Second); !ok {
		t.Errorf("no %q line", want)
	}
	for i := 0; i < 4; i++ { // both workers, the new one among them, in turn
		hold(t, s).Close()
	}
}

// testFDSetSize opens 1100 connections to select with RLIMIT_NOFILE raised:
// descriptors from 1024 up are refused with a log line, never FD_SET.
func (l *lab) testFDSetSize(t *testing.T) {
	const conns = 1100
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Max < 2*conns+64 {
		t.Skipf("RLIMIT_NOFILE hard limit %d: need %d for the server and the clients", rl.Max, 2*conns+64)
	}
	s := l.startWith(t, []string{"sh", "-c", `ulimit -n 2048 && exec "$0" "$@"`}, "select", "--backlog", "128")
	var open []net.Conn
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp4", "127.0.0.1:"+strconv.Itoa(s.port), 3*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		open = append(open, c)
	}
	want := fmt.Sprintf("select: fd=1024 >= FD_SETSIZE=1024%s count=1", l.words["LOG_REFUSED"])
	if _, ok := s.find(func(l string) bool { return l == want }, 3*time.Second); !ok {
		t.Errorf("no %q line", want)
	}
	// A refused connection is closed at once: its client reads EOF.
	_ = open[conns-1].SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := open[conns-1].Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("refused connection: %d bytes, %v; want EOF", n, err)
	}
	// An accepted one is served, and so is a new one once descriptors are back.
	if _, err := open[0].Write([]byte(hello)); err != nil {
		t.Fatal(err)
	}
	if r, err := readReply(bufio.NewReader(open[0]), false); err != nil || r.status != 200 {
		t.Errorf("first connection: %d, %v; want 200", r.status, err)
	}
	for _, c := range open {
		c.Close()
	}
	time.Sleep(200 * time.Millisecond)
	hold(t, s).Close()
}

// testMaxThreads runs threads with --max-threads 2: the third client waits
// until a thread finishes, and the wait is logged once.
func (l *lab) testMaxThreads(t *testing.T) {
	for _, join := range []string{"detached", "reaper"} {
		t.Run(join, func(t *testing.T) {
			s := l.start(t, "threads", "--max-threads", "2", "--join", join)
			a, b := hold(t, s), hold(t, s)
			defer b.Close()
			c := s.dial(t)
			defer c.Close()
			waiting(t, c, 300*time.Millisecond, func() { a.Close() })
			if n := len(s.await(prefix(l.words["LOG_MAX_THREADS"]+"2 reached"), 2, 100*time.Millisecond)); n != 1 {
				t.Errorf("%q lines: %d, want 1", l.words["LOG_MAX_THREADS"]+"2 reached", n)
			}
		})
	}
}

// testThreadsEAGAIN runs threads in 64 MiB of address space, where some 7
// thread stacks of 8 MiB fit: pthread_create fails with EAGAIN, which costs
// only that connection, and is logged once (then every 1000th, counted);
// the server goes on.
func (l *lab) testThreadsEAGAIN(t *testing.T) {
	const clients = 12
	s := l.startWith(t, []string{"sh", "-c", `ulimit -s 8192 && ulimit -v 65536 && exec "$0" "$@"`}, "threads")
	served := 0
	var open []net.Conn
	for i := 0; i < clients; i++ {
		c := s.dial(t)
		open = append(open, c)
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write([]byte(hello)); err != nil {
			continue
		}
		if r, err := readReply(bufio.NewReader(c), false); err == nil && r.status == 200 {
			served++
		}
	}
	lines := s.await(prefix("pthread_create: EAGAIN ("), 2, time.Second)
	if served == 0 || served == clients || len(lines) != 1 || !strings.HasSuffix(lines[0], " count=1") {
		t.Errorf("served %d of %d, pthread_create: EAGAIN lines %q; want some served and one line, count=1", served, clients, lines)
	}
	for _, c := range open {
		c.Close()
	}
	time.Sleep(100 * time.Millisecond) // the threads see EOF and end
	hold(t, s).Close()
}

var workerField = regexp.MustCompile(`worker=(\d+) pid=(\d+)`)
