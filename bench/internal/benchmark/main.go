// Package benchmark is what the benchmarks' commands share: how one runs
// and ends, the load it puts on a server, the machine it needs, and the
// repository it builds from.
package benchmark

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs a benchmark's run with the command line's arguments and
// standard output; Ctrl-C or SIGTERM cancels run's context. An error other
// than -h's is printed after the command's name, and the command exits 1.
func Main(name string, run func(ctx context.Context, args []string, stdout io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}
