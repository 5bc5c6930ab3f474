// Package labtest is what the Docker-backed tests share: one lock so that
// test binaries of different packages (go test runs them in parallel) never
// start specimens at the same time, since the lessons are about timing and
// limits; images built once; and every labelled container removed after.
package labtest

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/image"
	"github.com/serverlab/serverlab/harness/runner"
)

// RunID labels every container the current test binary starts.
var RunID = fmt.Sprintf("test-%d-%d", os.Getpid(), time.Now().UnixNano())

// Main is a TestMain: it takes the lock, builds the images (through
// $LAB_BUILDER when set), runs the tests and removes what they labelled.
// With -short it only runs the tests: those that need Docker skip (Docker).
func Main(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	unlock, err := lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "labtest:", err)
		return 1
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	root, err := image.FindRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "labtest:", err)
		return 1
	}
	var log io.Writer = io.Discard
	if testing.Verbose() {
		log = os.Stderr
	}
	err = image.Build(ctx, image.BuildOptions{Dir: root, Builder: image.BuilderFromEnv(), Targets: catalogue.Targets(), Log: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "labtest: build images:", err)
		return 1
	}
	defer func() {
		if _, err := runner.Cleanup(context.Background(), RunID); err != nil {
			fmt.Fprintln(os.Stderr, "labtest: cleanup:", err)
		}
	}()
	return m.Run()
}

// Docker skips t under -short, where no image was built.
func Docker(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker and the lab's images (skipped with -short)")
	}
}

// lock takes an exclusive flock shared by every test binary of the lab on
// this machine, waiting for it as long as it takes.
func lock() (func(), error) {
	path := filepath.Join(os.TempDir(), "serverlab-docker-tests.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
