// Package debian installs from Debian's archive the programs a benchmark
// runs, when they are missing.
package debian

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Need is a program a benchmark runs and the Debian packages it takes.
type Need struct {
	Program  string
	Packages []string
}

// Install installs the packages of the programs of needs that are not on
// PATH: as root, with apt-get update and then apt-get install -y, saying
// so on log; otherwise it returns an error that says what to install.
func Install(ctx context.Context, log io.Writer, needs []Need) error {
	programs, pkgs := missing(needs)
	if len(programs) == 0 {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s missing: run as root, or apt-get install -y %s",
			strings.Join(programs, ", "), strings.Join(pkgs, " "))
	}
	fmt.Fprintf(log, "installing %s (%s missing)\n", strings.Join(pkgs, " "), strings.Join(programs, ", "))
	for _, argv := range [][]string{
		{"apt-get", "update"},
		append([]string{"apt-get", "install", "-y"}, pkgs...),
	} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
		}
	}
	return nil
}

// missing is the programs of needs that are not on PATH, and their
// packages, each named once.
func missing(needs []Need) (programs, pkgs []string) {
	for _, n := range needs {
		if _, err := exec.LookPath(n.Program); err == nil {
			continue
		}
		programs = append(programs, n.Program)
		for _, p := range n.Packages {
			if !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	return programs, pkgs
}
