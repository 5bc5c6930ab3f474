package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/internal/labtest"
)

// The article's "even kill -9 does not remove a zombie, try it", tried: a
// 3c specimen answers one request and leaves its child a zombie; lab ps
// --kill sends the zombie SIGKILL and shows it still there.
func TestPsKillLeavesTheZombie(t *testing.T) {
	labtest.Docker(t)
	p, err := catalogue.LookupPreset("webserver3c")
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("serverlab-pskill-%d", time.Now().UnixNano())
	args := []string{"run", "-d", "--name", name, "--label", "org.serverlab.lab=true", "-p", "127.0.0.1::8888",
		"--user", fmt.Sprintf("%d:%d", p.Limits.UID, p.Limits.UID), catalogue.Image(p.Specimen),
		"--backlog", "5", "--wire", "seed", "--port", "8888"}
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		t.Fatalf("docker run: %v\n%s", err, out)
	}
	defer exec.Command("docker", "rm", "-f", name).Run()
	out, err := exec.Command("docker", "port", name, "8888").Output()
	if err != nil {
		t.Fatalf("docker port: %v", err)
	}
	addr := strings.TrimSpace(strings.Split(string(out), "\n")[0])
	var reply string
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		fmt.Fprint(c, "GET /hello HTTP/1.1\r\n\r\n")
		b, _ := io.ReadAll(c)
		c.Close()
		if reply = string(b); strings.Contains(reply, "Hello, World!") {
			break
		}
	}
	if !strings.Contains(reply, "Hello, World!") {
		t.Fatalf("no reply from the specimen: %q", reply)
	}
	zombie := regexp.MustCompile(`(?m)^\s*(\d+)\s+1\s+Z\s.*<defunct>`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var before strings.Builder
	var m []string
	for start := time.Now(); m == nil && time.Since(start) < 10*time.Second; time.Sleep(200 * time.Millisecond) {
		before.Reset()
		if err := run(ctx, []string{"ps", "--once", name}, &before); err != nil {
			t.Fatalf("lab ps: %v", err)
		}
		m = zombie.FindStringSubmatch(before.String())
	}
	if m == nil {
		t.Fatalf("no zombie child of PID 1 in:\n%s", before.String())
	}
	var after strings.Builder
	if err := run(ctx, []string{"ps", "--once", "--kill", m[1], name}, &after); err != nil {
		t.Fatalf("lab ps --kill %s: %v", m[1], err)
	}
	if !strings.Contains(after.String(), "kill -9 "+m[1]+": sent") {
		t.Errorf("lab ps --kill did not say it sent the signal:\n%s", after.String())
	}
	if got := zombie.FindStringSubmatch(after.String()); got == nil || got[1] != m[1] {
		t.Errorf("after kill -9 %s the zombie is gone:\n%s", m[1], after.String())
	}
}
