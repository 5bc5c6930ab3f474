package runner_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/runner"
)

// runID labels every container these tests start, so that TestMain removes
// whatever a failed test left behind.
var runID = fmt.Sprintf("test-%d", time.Now().UnixNano())

// TestMain builds the images once (through $LAB_BUILDER when it is set), runs
// the tests, and removes every container they labelled.
func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(func() int {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		root, err := runner.FindRoot(".")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var log io.Writer = io.Discard
		if testing.Verbose() {
			log = os.Stderr
		}
		err = runner.Build(ctx, runner.BuildOptions{
			Dir: root, Builder: runner.BuilderFromEnv(), Targets: catalogue.Targets(), Log: log,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "build images:", err)
			return 1
		}
		defer func() {
			if _, err := runner.Cleanup(context.Background(), runID); err != nil {
				fmt.Fprintln(os.Stderr, "cleanup:", err)
			}
		}()
		return m.Run()
	}())
}

// start runs a preset for one test and terminates it when the test ends.
func start(t *testing.T, p catalogue.Preset, opts ...runner.Option) *runner.Lab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lab, err := runner.Run(ctx, p, append([]runner.Option{runner.WithRunID(runID)}, opts...)...)
	t.Cleanup(func() {
		if lab != nil {
			if err := lab.Terminate(context.Background()); err != nil {
				t.Errorf("terminate %s: %v", p.Name, err)
			}
		}
	})
	if err != nil {
		t.Fatalf("run %s: %v", p.Name, err)
	}
	return lab
}
