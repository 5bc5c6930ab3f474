package main

// The servers under test: the specimens (epoll, io_uring), built here and
// started by target.Start, and nginx, started by target.Nginx; what each
// logs, and the check that all send the same response.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/serverlab/serverlab/bench/internal/benchmark"
	"github.com/serverlab/serverlab/bench/internal/target"
	"github.com/serverlab/serverlab/harness/catalogue"
)

// The server names, as records and tables print them; nginxName is the
// one target.Nginx gives.
const (
	epollName = "epoll"
	uringName = "uring"
	nginxName = "nginx"
)

// server is a running server under test and how much of its log earlier
// runs have read.
type server struct {
	*target.Server
	seen int64
}

// buildSpecimen builds the specimen called name (epoll, uring) into dir
// with the host's cc, the way its Makefile says (-O2, static), and returns
// the binary's path.
func buildSpecimen(ctx context.Context, dir, name string) (string, error) {
	root, err := benchmark.Root(ctx)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "make", "-s", "-C", filepath.Join(root, "servers", "c"), "OUT="+dir, name)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the %s specimen: %w", name, err)
	}
	return filepath.Join(dir, name), nil
}

// startSpecimen starts the C specimen called name on a free port. It binds
// 0.0.0.0 (open_listener in servers/c/common.c has no address flag); the
// benchmark dials 127.0.0.1 only. Its log, one "accept fd=N" line per
// connection, goes to a file: a pipe would need a reader, and that reader
// would share the machine with the measured server. A specimen that exits
// at once (io_uring refused: its one line says by what) is an error that
// quotes its log (target.Start).
func startSpecimen(ctx context.Context, name, bin, dir string, backlog int, idle time.Duration) (*server, error) {
	addr, err := target.FreePort()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	log := filepath.Join(dir, name+".log")
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the child has its own copy
	s, err := target.Start(ctx, name, serverCPU, addr, log, f, bin, "--port", port, "--wire", catalogue.WireHTTP,
		"--backlog", strconv.Itoa(backlog), "--idle-timeout", strconv.FormatInt(idle.Milliseconds(), 10)+"ms") // it reads "250ms", "2s", not "1m0s"
	if err != nil {
		return nil, err
	}
	return &server{Server: s}, nil
}

// logSince is what the server logged since the last call: the count of
// accept lines (the specimen's, one per connection) and the other lines,
// which under load are errors ("accept: EMFILE ...", nginx's "[alert]").
func (s *server) logSince() (accepts int64, other []string, err error) {
	f, err := os.Open(s.Log)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	if _, err := f.Seek(s.seen, io.SeekStart); err != nil {
		return 0, nil, err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return 0, nil, err
	}
	// A line still being written is left for the next call.
	b = b[:bytes.LastIndexByte(b, '\n')+1]
	s.seen += int64(len(b))
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, catalogue.LogAccept):
			accepts++
		case strings.HasPrefix(line, catalogue.LogListening), line == "":
		default:
			other = append(other, line)
		}
	}
	return accepts, other, nil
}

// response fetches /hello once over a fresh connection, the whole response
// as the server writes it, so that the benchmark can check that both send
// the same body and say how long each one's headers are.
func response(ctx context.Context, addr string) ([]byte, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(deadline)
	}
	if _, err := fmt.Fprintf(c, "GET /hello HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", addr); err != nil {
		return nil, err
	}
	return io.ReadAll(c)
}

// checkBody says whether raw, a whole response, is a 200 with body want.
func checkBody(raw []byte, want string) error {
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	switch {
	case !ok:
		return errors.New("no end of headers")
	case !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")):
		return fmt.Errorf("status line %q", bytes.SplitN(head, []byte("\r\n"), 2)[0])
	case string(body) != want:
		return fmt.Errorf("body %q, want %q", body, want)
	}
	return nil
}
