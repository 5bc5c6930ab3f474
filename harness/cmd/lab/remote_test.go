package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/internal/labtest"
	"github.com/serverlab/serverlab/harness/runner"
)

// socketProxy forwards connections from a 127.0.0.1 TCP port to the local
// engine's unix socket, as a remote engine would be reached, and counts the
// bytes that crossed it. It is closed when the test ends.
func socketProxy(t *testing.T, socket string) (host string, crossed *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	crossed = new(atomic.Int64)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				up, err := net.Dial("unix", socket)
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{}, 2)
				pipe := func(dst, src net.Conn) {
					n, _ := io.Copy(dst, src)
					crossed.Add(n)
					if tc, ok := dst.(interface{ CloseWrite() error }); ok {
						_ = tc.CloseWrite()
					}
					done <- struct{}{}
				}
				go pipe(up, c)
				go pipe(c, up)
				<-done
				<-done
			}()
		}
	}()
	return "tcp://" + ln.Addr().String(), crossed
}

// TestRunThroughDockerHost runs an experiment against the local engine
// reached only through DOCKER_HOST=tcp://127.0.0.1:PORT: the lab binary, as
// a user runs it, with nothing but that address to find the engine by.
func TestRunThroughDockerHost(t *testing.T) {
	labtest.Docker(t)
	socket := "/var/run/docker.sock"
	if _, err := os.Stat(socket); err != nil {
		t.Skipf("no local engine socket to proxy: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "lab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	host, crossed := socketProxy(t, socket)
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--no-build", "--out", out, "--reference", "", "--run-id", labtest.RunID, "zombies")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+host)
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lab run through %s: %v\n%s", host, err, got)
	}
	var rec experiment.Record
	b, err := os.ReadFile(filepath.Join(out, "zombies.json"))
	if err != nil || json.Unmarshal(b, &rec) != nil || rec.Verdict.Outcome != experiment.Reproduced {
		t.Errorf("zombies through DOCKER_HOST: verdict %q (%v), want reproduced\n%s", rec.Verdict.Outcome, err, got)
	}
	if n := crossed.Load(); n < 10000 {
		t.Errorf("%d bytes crossed the proxy: the run did not go through DOCKER_HOST", n)
	}
	if ids, err := runner.List(context.Background(), labtest.RunID); err != nil || len(ids) > 0 {
		t.Errorf("containers left behind: %v (%v)", ids, err)
	}
	if !strings.Contains(string(got), "zombies") {
		t.Errorf("no verdict printed:\n%s", got)
	}
}
