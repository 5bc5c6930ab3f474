// Package target is the servers the benchmarks measure, started the same
// way: pinned to a CPU by taskset (which execs, so the pid is the server's
// own), in a process group of their own, ready once they accept on
// 127.0.0.1, and stopped with their group on every way out.
package target

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Server is a running server under test.
type Server struct {
	Name string // as the benchmark prints it
	Addr string // 127.0.0.1:port, the one address the benchmark dials
	Log  string // its log file
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs argv pinned to cpu ("0") and waits until addr accepts; log is
// the server's log file, which an error quotes. Its output goes to the
// benchmark's stderr, or its stderr to stderr if not nil. The server is in
// a process group of its own, so that a Ctrl-C meant for the benchmark
// leaves its stopping to Stop, which waits for nginx's worker too;
// Pdeathsig stops it should the benchmark be killed outright (Go starts
// children from threads it never ends unless a goroutine locked one, and
// none does in the benchmarks).
func Start(ctx context.Context, name, cpu, addr, log string, stderr *os.File, argv ...string) (*Server, error) {
	cmd := exec.Command("taskset", append([]string{"-c", cpu}, argv...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if stderr != nil {
		cmd.Stderr = stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &Server{Name: name, Addr: addr, Log: log, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	// Ready when it accepts; dead if it exits first.
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			text, _ := os.ReadFile(log)
			return nil, fmt.Errorf("start %s: it exited: %s", name, bytes.TrimSpace(text))
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("start %s: %s does not accept within 5s", name, addr)
		}
	}
}

// Pid is the server's process: the specimen, or nginx's master.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Exited says whether the server has stopped by itself.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Stop ends the server: SIGTERM is the specimen's exit and nginx's fast
// shutdown (master and worker); the group is killed if that takes over 5 s.
// It may be called more than once.
func (s *Server) Stop() {
	if s.Exited() {
		return
	}
	pgid := s.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-s.done
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // a worker the master left behind, if any
}

// FreePort returns a 127.0.0.1 address nobody listens on: taken, then let go.
func FreePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
