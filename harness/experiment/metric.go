package experiment

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/client"
)

// metric computes one number from a trial's raw observations; arg is the
// check's parameter. An error means the observations cannot give it.
type metric struct {
	fn  func(t Trial, arg string) (float64, error)
	doc string
}

// metrics are the names checks may use. Each is a small pure function over a
// trial, so that a verdict can be recomputed from a stored record.
var metrics = map[string]metric{
	"outcome":              {outcome, "connections whose outcome is arg (replied, reply-without-eof, timed-out, ...)"},
	"connections":          {connections, "connections made by every client step"},
	"done_max":             {doneMax, "seconds until the slowest connection ended"},
	"done_min":             {doneMin, "seconds until the fastest connection ended"},
	"staircase":            {staircase, "max over k of |t_k - k*arg| / arg, t_k the k-th connection's end"},
	"connected_within":     {connectedWithin, "connections whose handshake completed within arg"},
	"running":              {running, "1 if the specimen still ran at the end, else 0"},
	"exit_code":            {exitCode, "the specimen's exit status, once it has exited"},
	"log_contains":         {logContains, "1 if a log line contains arg, else 0"},
	"last_log_contains":    {lastLogContains, "1 if the server's own last log line contains arg, else 0"},
	"unconnected":          {unconnected, "connections whose handshake never completed"},
	"log_count":            {logCount, "log lines that start with arg"},
	"zombies":              {zombies, "zombie children of the specimen at the last probe"},
	"fds_at_start":         {fdsAtStart, "descriptors the specimen had open once it listened"},
	"emfile_margin":        {emfileMargin, "accepts minus the descriptors left at start (nofile - fds_at_start)"},
	"process_limit_margin": {processLimitMargin, "forks minus the processes the limits leave (min(pids, nproc) - 1)"},
	"host_tasks_growth":    {hostTasksGrowth, "host-wide tasks at the last probe minus at start"},
	"conformance_failures": {conformanceFailures, "reply conformance failures (see Conformance)"},
}

// MetricDoc returns what a metric measures.
func MetricDoc(name string) string { return metrics[name].doc }

// results returns every connection of every client step.
func results(t Trial) []client.Result {
	var out []client.Result
	for _, s := range t.Steps {
		out = append(out, s.Clients...)
	}
	return out
}

var errNoClients = errors.New("no client step ran")

func outcome(t Trial, arg string) (float64, error) {
	rs := results(t)
	if len(rs) == 0 {
		return 0, errNoClients
	}
	n := 0
	for _, r := range rs {
		if string(r.Outcome) == arg {
			n++
		}
	}
	return float64(n), nil
}

func connections(t Trial, _ string) (float64, error) {
	rs := results(t)
	if len(rs) == 0 {
		return 0, errNoClients
	}
	return float64(len(rs)), nil
}

func doneTimes(t Trial) ([]time.Duration, error) {
	rs := results(t)
	if len(rs) == 0 {
		return nil, errNoClients
	}
	ds := make([]time.Duration, len(rs))
	for i, r := range rs {
		ds[i] = r.Done
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds, nil
}

func doneMax(t Trial, _ string) (float64, error) {
	ds, err := doneTimes(t)
	if err != nil {
		return 0, err
	}
	return ds[len(ds)-1].Seconds(), nil
}

func doneMin(t Trial, _ string) (float64, error) {
	ds, err := doneTimes(t)
	if err != nil {
		return 0, err
	}
	return ds[0].Seconds(), nil
}

// staircase measures how far the connections' ends are from k*D: an
// iterative server finishes the k-th waiting client at k*D.
func staircase(t Trial, arg string) (float64, error) {
	d, err := time.ParseDuration(arg)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("staircase needs a step duration, got %q", arg)
	}
	ds, err := doneTimes(t)
	if err != nil {
		return 0, err
	}
	worst := 0.0
	for k, done := range ds {
		worst = math.Max(worst, math.Abs(done.Seconds()-float64(k+1)*d.Seconds())/d.Seconds())
	}
	return worst, nil
}

func connectedWithin(t Trial, arg string) (float64, error) {
	d, err := time.ParseDuration(arg)
	if err != nil {
		return 0, fmt.Errorf("connected_within needs a duration, got %q", arg)
	}
	rs := results(t)
	if len(rs) == 0 {
		return 0, errNoClients
	}
	n := 0
	for _, r := range rs {
		if r.Connect > 0 && r.Connect < d {
			n++
		}
	}
	return float64(n), nil
}

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

// LastLine is the server's own last log line. Children share its log and
// may still write after it died (their "reply ... pid=N" lines), so lines
// that name another PID than the server's are passed over.
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

func unconnected(t Trial, _ string) (float64, error) {
	rs := results(t)
	if len(rs) == 0 {
		return 0, errNoClients
	}
	n := 0
	for _, r := range rs {
		if r.Connect == 0 {
			n++
		}
	}
	return float64(n), nil
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

func logCount(t Trial, arg string) (float64, error) {
	n := 0
	for _, l := range t.Logs {
		if strings.HasPrefix(l, arg) {
			n++
		}
	}
	return float64(n), nil
}

// lastProbe is the snapshot of the trial's last probe step.
func lastProbe(t Trial) (*agent.Snapshot, error) {
	for i := len(t.Steps) - 1; i >= 0; i-- {
		if t.Steps[i].Probe != nil {
			return t.Steps[i].Probe, nil
		}
	}
	return nil, errors.New("no probe step ran")
}

func zombies(t Trial, _ string) (float64, error) {
	p, err := lastProbe(t)
	if err != nil {
		return 0, err
	}
	srv, ok := p.Server(t.Comm)
	if !ok {
		return 0, fmt.Errorf("no %s process at the last probe", t.Comm)
	}
	return float64(len(p.Zombies(srv.PID))), nil
}

func fdsAtStart(t Trial, _ string) (float64, error) {
	if t.Start == nil {
		return 0, errors.New("no start probe")
	}
	srv, ok := t.Start.Server(t.Comm)
	if !ok {
		return 0, fmt.Errorf("no %s process at the start probe", t.Comm)
	}
	if srv.FDs < 0 {
		return 0, errors.New("the specimen's descriptors could not be read")
	}
	return float64(srv.FDs), nil
}

// emfileMargin compares the accepts before EMFILE with the descriptors that
// were free at start: the parent that keeps every client socket runs out
// after exactly nofile - fds_at_start accepts.
func emfileMargin(t Trial, _ string) (float64, error) {
	fds, err := fdsAtStart(t, "")
	if err != nil {
		return 0, err
	}
	accepts, _ := logCount(t, "accept fd=")
	return accepts - (float64(t.Limits.NoFile) - fds), nil
}

// processLimitMargin compares the forks before EAGAIN with the processes the
// limits leave: the server itself is one of them.
func processLimitMargin(t Trial, _ string) (float64, error) {
	forks, _ := logCount(t, "fork child=")
	limit := min(t.Limits.Pids, t.Limits.NProc)
	return forks - float64(limit-1), nil
}

func hostTasksGrowth(t Trial, _ string) (float64, error) {
	p, err := lastProbe(t)
	if err != nil {
		return 0, err
	}
	if t.Start == nil || t.Start.HostTasks == 0 || p.HostTasks == 0 {
		return 0, errors.New("host task counts not read")
	}
	return float64(p.HostTasks - t.Start.HostTasks), nil
}

func conformanceFailures(t Trial, _ string) (float64, error) {
	if len(results(t)) == 0 {
		return 0, errNoClients
	}
	return float64(len(Conformance(t))), nil
}
