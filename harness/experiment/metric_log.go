package experiment

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// Running is 1 if the specimen still ran at the end, else 0.
func Running() Metric {
	return newMetric("running", "", func(t Trial) (float64, error) {
		if t.Exit.Running {
			return 1, nil
		}
		return 0, nil
	})
}

// ExitCode is the specimen's exit status, once it has exited.
func ExitCode() Metric {
	return newMetric("exit_code", "", func(t Trial) (float64, error) {
		if t.Exit.Running {
			return 0, errors.New("the specimen had not exited")
		}
		return float64(t.Exit.ExitCode), nil
	})
}

// LogContains is 1 if a log line contains s, else 0.
func LogContains(s string) Metric {
	return newMetric("log_contains", s, func(t Trial) (float64, error) {
		for _, l := range t.Logs {
			if strings.Contains(l, s) {
				return 1, nil
			}
		}
		return 0, nil
	})
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

// LastLogContains is 1 if the server's own last log line contains s, else 0.
func LastLogContains(s string) Metric {
	return newMetric("last_log_contains", s, func(t Trial) (float64, error) {
		l, err := LastLine(t)
		if err != nil {
			return 0, err
		}
		if strings.Contains(l, s) {
			return 1, nil
		}
		return 0, nil
	})
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

// LogLines counts the log lines that start with prefix.
func LogLines(prefix string) Metric {
	return newMetric("log_count", prefix, func(t Trial) (float64, error) { return float64(LogCount(t, prefix)), nil })
}

// EmfileMargin compares the accepts before EMFILE with the descriptors that
// were free at start: the parent that keeps every client socket runs out
// after exactly nofile - fds_at_start accepts.
func EmfileMargin() Metric {
	return newMetric("emfile_margin", "", func(t Trial) (float64, error) {
		fds, err := fdsAtStart(t)
		if err != nil {
			return 0, err
		}
		return float64(LogCount(t, catalogue.LogAccept)) - (float64(t.Limits.NoFile) - fds), nil
	})
}

// ProcessLimit names one of the two limits on a specimen's processes.
type ProcessLimit string

// The process limits.
const (
	NProc ProcessLimit = "nproc" // RLIMIT_NPROC, counted per UID
	Pids  ProcessLimit = "pids"  // the pids cgroup, counted per container
)

// ProcessLimitMargin compares the forks before EAGAIN with the processes
// the limit l leaves; the server itself is one.
func ProcessLimitMargin(l ProcessLimit) Metric {
	return newMetric("process_limit_margin", string(l), func(t Trial) (float64, error) {
		limit := t.Limits.NProc
		if l == Pids {
			limit = t.Limits.Pids
		}
		return float64(LogCount(t, catalogue.LogFork)) - float64(limit-1), nil
	})
}

// LogZombieGap sets the log's bookkeeping beside /proc's: every fork the
// server logged and no reap matched must be a child still there at the
// last probe, a zombie if it has exited.
func LogZombieGap() Metric {
	return newMetric("log_zombie_gap", "", func(t Trial) (float64, error) {
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
	})
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
