package load_test

import (
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/load"
)

// fullQueue returns the URL of a listener whose accept queue is full: it
// was listened with a backlog of 0 and never accepts, and one connection
// already waits in it. Linux drops the SYNs that come after, so a connect
// to it times out.
func fullQueue(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	// Fill the queue until a connect times out.
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
		if i == 8 {
			t.Fatalf("%d connects to a backlog of 0 that never accepts all succeeded", i+1)
		}
	}
	return "http://" + addr + "/"
}

// TestConnectTimeout: a connection that is never made is a connect error,
// not a response's timeout, so that a reader can tell a full listen queue
// (or a lost SYN) from a server that took a request and never answered.
func TestConnectTimeout(t *testing.T) {
	res := run(t, fullQueue(t), load.WithConnections(1), load.WithRequests(3), load.WithTimeout(200*time.Millisecond))
	for _, k := range load.Kinds {
		want := int64(0)
		if k == load.Connect {
			want = 3
		}
		if got := res.Errors[k]; got != want {
			t.Errorf("got %d %s errors, want %d (errors %v)", got, k, want, res.Errors)
		}
	}
	if res.Requests != 0 {
		t.Errorf("got %d requests, want 0", res.Requests)
	}
}
