package experiment

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/serverlab/serverlab/harness/client"
)

// metric computes one number from a trial's raw observations; arg is the
// check's parameter. An error means the observations cannot give it.
type metric struct {
	fn  func(t Trial, arg string) (float64, error)
	doc string
}

// metrics are the names checks may use. Each is a small pure function over a
// trial, so that a verdict can be recomputed from a stored record, and a
// report draws its figures with the same functions (Measure).
var metrics = map[string]metric{
	// connections (metric.go)
	"outcome":          {outcome, "connections whose outcome is arg (replied, reply-without-eof, timed-out, ...)"},
	"connections":      {connections, "connections made by every client step"},
	"done_max":         {doneMax, "seconds until the slowest connection ended"},
	"done_min":         {doneMin, "seconds until the fastest connection ended"},
	"staircase":        {staircase, "max over k of |t_k - k*arg| / arg, t_k the k-th connection's end"},
	"connected_within": {connectedWithin, "connections whose handshake completed within arg"},
	"unconnected":      {unconnected, "connections whose handshake never completed"},
	"conformance_failures": {conformanceFailures,
		"reply conformance failures for the trial's wire (see Conformance)"},
	"replied_within": {repliedWithin, "connections that got their whole reply within arg of their start"},
	"kept_open":      {keptOpen, "connections whose reply came and that the server had not closed when the client let go"},
	// the specimen's end and its log (metric_log.go)
	"running":           {running, "1 if the specimen still ran at the end, else 0"},
	"exit_code":         {exitCode, "the specimen's exit status, once it has exited"},
	"log_contains":      {logContains, "1 if a log line contains arg, else 0"},
	"last_log_contains": {lastLogContains, "1 if the server's own last log line contains arg, else 0"},
	"log_count":         {logCount, "log lines that start with arg"},
	"emfile_margin":     {emfileMargin, "accepts minus the descriptors left at start (nofile - fds_at_start)"},
	"process_limit_margin": {processLimitMargin,
		"forks minus the processes limit arg (nproc or pids) leaves: limit - 1, the server being one"},
	"log_zombie_gap": {logZombieGap, "forks - reaps in the log, minus the children /proc shows at the last probe"},
	// processes, descriptors and sockets (metric_proc.go)
	"zombies":       {zombies, "zombie children of the specimen at the last probe"},
	"fds_at_start":  {fdsAtStart, "descriptors the specimen had open once it listened"},
	"fds_growth":    {fdsGrowth, "the most descriptors the server held in any sample, minus those at start"},
	"live_children": {liveChildren, "children of the server that are not zombies, at the probe labelled arg"},
	"holds_client_socket": {holdsClientSocket,
		"1 if, at the probe labelled arg, the server holds the socket of the first client's connection (matched by inode)"},
	"pids_refused":      {pidsRefused, "forks the pids cgroup refused (pids.events max), at the last sample that read it"},
	"host_tasks_growth": {hostTasksGrowth, "host-wide tasks at the last probe minus at start"},
	"host_tasks_peak_growth": {hostTasksPeakGrowth,
		"host-wide tasks at their peak over the samples minus at start"},
	"host_files_peak_growth": {hostFilesPeakGrowth,
		"host-wide open file handles at their peak over the samples minus at the first sample"},
}

// MetricDoc returns what a metric measures.
func MetricDoc(name string) string { return metrics[name].doc }

// Measure computes the named metric on a trial: what checks judge, and what
// reports draw.
func Measure(name string, t Trial, arg string) (float64, error) {
	m, ok := metrics[name]
	if !ok {
		return 0, fmt.Errorf("no metric %q", name)
	}
	return m.fn(t, arg)
}

// Results returns every connection of every client step of a trial.
func Results(t Trial) []client.Result {
	var out []client.Result
	for _, s := range t.Steps {
		out = append(out, s.Clients...)
	}
	return out
}

// Summaries returns the summaries of a trial's client steps that kept
// counts instead of connections (ClientStep.Summary).
func Summaries(t Trial) []client.Summary {
	var out []client.Summary
	for _, s := range t.Steps {
		if s.Summary != nil {
			out = append(out, *s.Summary)
		}
	}
	return out
}

var errNoClients = errors.New("no client step ran")

// count counts a trial's connections that keep returns true for, and adds
// what inSummary counts of the steps that kept only counts.
func count(t Trial, keep func(client.Result) bool, inSummary func(client.Summary) int) (float64, error) {
	rs, ss := Results(t), Summaries(t)
	if len(rs) == 0 && len(ss) == 0 {
		return 0, errNoClients
	}
	n := 0
	for _, r := range rs {
		if keep(r) {
			n++
		}
	}
	for _, s := range ss {
		n += inSummary(s)
	}
	return float64(n), nil
}

func outcome(t Trial, arg string) (float64, error) {
	return count(t, func(r client.Result) bool { return string(r.Outcome) == arg },
		func(s client.Summary) int { return s.Outcomes[client.Outcome(arg)] })
}

func connections(t Trial, _ string) (float64, error) {
	return count(t, func(client.Result) bool { return true }, func(s client.Summary) int { return s.Total })
}

func unconnected(t Trial, _ string) (float64, error) {
	return count(t, func(r client.Result) bool { return r.Connect == 0 },
		func(s client.Summary) int { return s.Total - s.Connected })
}

func keptOpen(t Trial, _ string) (float64, error) {
	return count(t, client.Result.KeptOpen, func(s client.Summary) int { return s.KeptOpen })
}

func repliedWithin(t Trial, arg string) (float64, error) {
	d, err := time.ParseDuration(arg)
	if err != nil {
		return 0, fmt.Errorf("replied_within needs a duration, got %q", arg)
	}
	if len(Results(t)) == 0 {
		return 0, errNoClients // a summary keeps no timings
	}
	return count(t, func(r client.Result) bool { return r.Outcome == client.Replied && r.Done < d },
		func(client.Summary) int { return 0 })
}

func connectedWithin(t Trial, arg string) (float64, error) {
	d, err := time.ParseDuration(arg)
	if err != nil {
		return 0, fmt.Errorf("connected_within needs a duration, got %q", arg)
	}
	if len(Results(t)) == 0 {
		return 0, errNoClients // a summary keeps no timings
	}
	return count(t, func(r client.Result) bool { return r.Connect > 0 && r.Connect < d },
		func(client.Summary) int { return 0 })
}

// DoneTimes returns when each of a trial's connections ended, sorted.
func DoneTimes(t Trial) []time.Duration {
	var ds []time.Duration
	for _, r := range Results(t) {
		ds = append(ds, r.Done)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds
}

func doneMax(t Trial, _ string) (float64, error) {
	ds := DoneTimes(t)
	if len(ds) == 0 {
		return 0, errNoClients
	}
	return ds[len(ds)-1].Seconds(), nil
}

func doneMin(t Trial, _ string) (float64, error) {
	ds := DoneTimes(t)
	if len(ds) == 0 {
		return 0, errNoClients
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
	ds := DoneTimes(t)
	if len(ds) == 0 {
		return 0, errNoClients
	}
	worst := 0.0
	for k, done := range ds {
		worst = math.Max(worst, math.Abs(done.Seconds()-float64(k+1)*d.Seconds())/d.Seconds())
	}
	return worst, nil
}

func conformanceFailures(t Trial, _ string) (float64, error) {
	if len(Results(t)) == 0 {
		return 0, errNoClients
	}
	return float64(len(Conformance(t))), nil
}
