package benchmark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/serverlab/serverlab/bench/internal/debian"
)

// Prepare readies the machine for the benchmark name: it must be Linux,
// for taskset, and have 2 CPUs, one for the servers and one for the
// client; the programs of needs are installed if missing, saying so on
// log. It returns a new directory for the run's files, which the caller
// removes.
func Prepare(ctx context.Context, name string, log io.Writer, needs []debian.Need) (dir string, err error) {
	if runtime.GOOS != "linux" {
		return "", errors.New("run on Linux: the benchmark pins with taskset")
	}
	if runtime.NumCPU() < 2 {
		return "", fmt.Errorf("need 2 CPUs, one for the servers and one for the client; have %d", runtime.NumCPU())
	}
	if err := debian.Install(ctx, log, needs); err != nil {
		return "", err
	}
	return os.MkdirTemp("", name+"-")
}
