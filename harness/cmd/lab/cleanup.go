package main

import (
	"context"
	"fmt"
	"io"

	"github.com/serverlab/serverlab/harness/runner"
)

func runCleanup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("cleanup")
	run := fs.String("run", "", "only this run's containers (default: every lab container)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	n, err := runner.Cleanup(ctx, *run)
	if err == nil || n > 0 {
		fmt.Fprintf(stdout, "removed %d containers\n", n)
	}
	return err
}
