package experiment

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/serverlab/serverlab/harness/catalogue"
)

func running(t Trial, _ string) (float64, error) {
	if t.Exit.Running {
		return 1, nil
	}
	return 0, nil
}

func exitCode(t Trial, _ string) (float64, error) {
	if t.Exit.Running {
		return 0, errors.New("the specimen had not exited")
	}
	return float64(t.Exit.ExitCode), nil
}

func logContains(t Trial, arg string) (float64, error) {
	for _, l := range t.Logs {
		if strings.Contains(l, arg) {
			return 1, nil
		}
	}
	return 0, nil
}

// LastLine is the server's own last log line. A line that names another
// PID than the server's (a child's "reply ... pid=N") is passed over.
func LastLine(t Trial) (string, error) {
	server := -1
	if t.Start != nil {
		if p, ok := t.Start.Server(t.Comm); ok {
			server = p.PID
		}
	}
	for i := len(t.Logs) - 1; i >= 0; i-- {
		l := strings.TrimSpace(t.Logs[i])
		if pid, ok := logPID(l); l == "" || (ok && server >= 0 && pid != server) {
			continue
		}
		return l, nil
	}
	return "", errors.New("the specimen logged nothing")
}

// logPID returns the value of a line's pid= field, if it has one.
func logPID(line string) (int, bool) {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, "pid="); ok {
			pid, err := strconv.Atoi(v)
			return pid, err == nil
		}
	}
	return 0, false
}

func lastLogContains(t Trial, arg string) (float64, error) {
	l, err := LastLine(t)
	if err != nil {
		return 0, err
	}
	if strings.Contains(l, arg) {
		return 1, nil
	}
	return 0, nil
}

// LogCount counts the log lines that start with prefix: accepts, forks,
// reaps, as the specimens log them (catalogue.LogAccept, ...).
func LogCount(t Trial, prefix string) int {
	n := 0
	for _, l := range t.Logs {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func logCount(t Trial, arg string) (float64, error) { return float64(LogCount(t, arg)), nil }

// emfileMargin compares the accepts before EMFILE with the descriptors that
// were free at start: the parent that keeps every client socket runs out
// after exactly nofile - fds_at_start accepts.
func emfileMargin(t Trial, _ string) (float64, error) {
	fds, err := fdsAtStart(t, "")
	if err != nil {
		return 0, err
	}
	return float64(LogCount(t, catalogue.LogAccept)) - (float64(t.Limits.NoFile) - fds), nil
}

// processLimitMargin compares the forks before EAGAIN with the processes
// the limit arg leaves: "nproc" (RLIMIT_NPROC, counted per UID) or "pids"
// (the pids cgroup, counted per container); the server itself is one.
func processLimitMargin(t Trial, arg string) (float64, error) {
	var limit int64
	switch arg {
	case "nproc":
		limit = t.Limits.NProc
	case "pids":
		limit = t.Limits.Pids
	default:
		return 0, fmt.Errorf("process_limit_margin needs nproc or pids, got %q", arg)
	}
	return float64(LogCount(t, catalogue.LogFork)) - float64(limit-1), nil
}

// logZombieGap sets the log's bookkeeping beside /proc's: every fork the
// server logged and no reap matched must be a child still there at the
// last probe, a zombie if it has exited.
func logZombieGap(t Trial, _ string) (float64, error) {
	p, err := lastProbe(t)
	if err != nil {
		return 0, err
	}
	srv, ok := p.Server(t.Comm)
	if !ok {
		return 0, fmt.Errorf("no %s process at the last probe", t.Comm)
	}
	unreaped := LogCount(t, catalogue.LogFork) - LogCount(t, catalogue.LogReap)
	return float64(unreaped - len(p.Children(srv.PID))), nil
}

// BoundBy names the process limit that stopped a fork storm: the one, of
// RLIMIT_NPROC and the pids cgroup, whose limit - 1 the logged forks
// reached (within one, as the checks allow), with the forks counted.
func BoundBy(t Trial) (limit string, forks int, ok bool) {
	forks = LogCount(t, catalogue.LogFork)
	for _, l := range []struct {
		name string
		n    int64
	}{{"nproc", t.Limits.NProc}, {"pids", t.Limits.Pids}} {
		if d := int64(forks) - (l.n - 1); d >= -1 && d <= 0 {
			return l.name, forks, true
		}
	}
	return "", forks, false
}
