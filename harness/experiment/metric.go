package experiment

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/serverlab/serverlab/harness/client"
)

// Metric is one number computed from a trial's raw observations: what a
// check judges and a figure draws. Its parameters are bound when it is
// declared (Outcomes(client.Replied), ConnectedWithin(time.Second),
// LiveChildren(during)), so judging parses nothing; records keep its name
// and parameter as strings, and reading one binds them again (DecodeMetric).
type Metric struct {
	Name string // as records and the report name it, e.g. "live_children"
	Arg  string // its parameter as records write it, "" if it takes none
	// Step, when set, keeps only the connections of the client steps of
	// that label: the probes among stalled clients (see Among).
	Step  string
	reads []stepRef // the steps of the arm it reads, which Validate requires
	fn    func(Trial) (float64, error)
	timed bool // its value is a time or a speed on the machine's clock (Timed)
}

// stepRef is a step a metric reads, by kind and label.
type stepRef struct {
	kind  StepKind
	label string
}

// newMetric is a metric called name, with its parameter as records write it.
func newMetric(name, arg string, fn func(Trial) (float64, error), reads ...Step) Metric {
	m := Metric{Name: name, Arg: arg, fn: fn}
	for _, s := range reads {
		m.reads = append(m.reads, stepRef{s.Kind, s.Label})
	}
	return m
}

// Timed says whether m's value is a time or a speed on the machine's clock
// (a reply within 1 s, a staircase of k·D, requests a second, CPU time per
// request): it measures the machine as well as the mechanism, so on an
// emulated one it is shown and not judged (JudgeOn). Counts of processes,
// descriptors, outcomes and log lines are not timed.
func (m Metric) Timed() bool { return m.timed }

// timedMetric marks m as Timed.
func timedMetric(m Metric) Metric {
	m.timed = true
	return m
}

// Among returns m computed over the connections of client step s only.
func (m Metric) Among(s Step) Metric {
	m.Step = s.Label
	m.reads = append(append([]stepRef(nil), m.reads...), stepRef{StepClient, s.Label})
	return m
}

// Of computes m on a trial.
func (m Metric) Of(t Trial) (float64, error) {
	if m.fn == nil {
		return 0, fmt.Errorf("metric %q was not declared with its constructor", m.Name)
	}
	return m.fn(OfStep(t, m.Step))
}

// String renders the metric as checks show it: name(arg) of "step".
func (m Metric) String() string {
	s := m.Name
	if m.Arg != "" {
		s += fmt.Sprintf("(%s)", m.Arg)
	}
	if m.Step != "" {
		s += fmt.Sprintf(" of %q", m.Step)
	}
	return s
}

// metricDef is one metric as records name it: what it measures, and how a
// record's parameter binds it again.
type metricDef struct {
	doc    string
	decode func(arg string) (Metric, error)
}

// The decoders of metricDef, one per kind of parameter.
func noArg(f func() Metric) func(string) (Metric, error) {
	return func(arg string) (Metric, error) {
		if arg != "" {
			return Metric{}, fmt.Errorf("takes no parameter, got %q", arg)
		}
		return f(), nil
	}
}

func word(f func(string) Metric) func(string) (Metric, error) {
	return func(arg string) (Metric, error) { return f(arg), nil }
}

func duration(f func(time.Duration) Metric) func(string) (Metric, error) {
	return func(arg string) (Metric, error) {
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			return Metric{}, fmt.Errorf("needs a positive duration, got %q", arg)
		}
		return f(d), nil
	}
}

func stepOf(kind StepKind, f func(Step) Metric) func(string) (Metric, error) {
	return func(arg string) (Metric, error) {
		if arg == "" {
			return Metric{}, fmt.Errorf("needs the label of a %s step", kind)
		}
		return f(Step{Kind: kind, Label: arg}), nil
	}
}

// metrics is every metric a check may judge, by the name records give it:
// the whole list, in one place. Each is a small pure function over a trial,
// so that a verdict can be recomputed from a stored record, and a report
// draws its figures with the same functions.
var metrics = map[string]metricDef{
	// connections (metric.go)
	"outcome":              {"connections whose outcome is arg (replied, reply-without-eof, timed-out, ...)", word(func(s string) Metric { return Outcomes(client.Outcome(s)) })},
	"connections":          {"connections made by every client step", noArg(Connections)},
	"done_max":             {"seconds until the slowest connection ended", noArg(DoneMax)},
	"done_min":             {"seconds until the fastest connection ended", noArg(DoneMin)},
	"staircase":            {"max over k of |t_k - k*arg| / arg, t_k the k-th connection's end", duration(Staircase)},
	"connected_within":     {"connections whose handshake completed within arg", duration(ConnectedWithin)},
	"unconnected":          {"connections whose handshake never completed", noArg(Unconnected)},
	"conformance_failures": {"reply conformance failures for the trial's wire (see Conformance)", noArg(ConformanceFailures)},
	"replied_within":       {"connections that got their whole reply within arg of their start", duration(RepliedWithin)},
	"kept_open":            {"connections whose reply came and that the server had not closed when the client let go", noArg(KeptOpen)},
	// the specimen's end and its log (metric_log.go)
	"running":           {"1 if the specimen still ran at the end, else 0", noArg(Running)},
	"exit_code":         {"the specimen's exit status, once it has exited", noArg(ExitCode)},
	"log_contains":      {"1 if a log line contains arg, else 0", word(LogContains)},
	"last_log_contains": {"1 if the server's own last log line contains arg, else 0", word(LastLogContains)},
	"log_count":         {"log lines that start with arg", word(LogLines)},
	"emfile_margin":     {"accepts minus the descriptors left at start (nofile - fds_at_start)", noArg(EmfileMargin)},
	"process_limit_margin": {"forks minus the processes limit arg (nproc or pids) leaves: limit - 1, the server being one",
		func(arg string) (Metric, error) {
			if l := ProcessLimit(arg); l == NProc || l == Pids {
				return ProcessLimitMargin(l), nil
			}
			return Metric{}, fmt.Errorf("needs nproc or pids, got %q", arg)
		}},
	"log_zombie_gap": {"forks - reaps in the log, minus the children /proc shows at the last probe", noArg(LogZombieGap)},
	// processes, descriptors and sockets (metric_proc.go)
	"zombies":       {"zombie children of the specimen at the last probe", noArg(Zombies)},
	"fds_at_start":  {"descriptors the specimen had open once it listened", noArg(FDsAtStart)},
	"fds_growth":    {"the most descriptors the server held in any sample, minus those at start", noArg(FDsGrowth)},
	"live_children": {"children of the server that are not zombies, at the probe labelled arg", stepOf(StepProbe, LiveChildren)},
	"holds_client_socket": {"1 if, at the probe labelled arg, the server holds the socket of the first client's connection (matched by inode)",
		stepOf(StepProbe, HoldsClientSocket)},
	"sockets_peak": {"the most sockets of the specimen's port any sample counted in the series arg: accept_queue (the listener's), or state:S (the server's ends in TCP state S)",
		word(SocketsPeak)},
	"pids_refused":           {"forks the pids cgroup refused (pids.events max), at the last sample that read it", noArg(PidsRefused)},
	"host_tasks_growth":      {"host-wide tasks at the last probe minus at start", noArg(HostTasksGrowth)},
	"host_tasks_peak_growth": {"host-wide tasks at their peak over the samples minus at start", noArg(HostTasksPeakGrowth)},
	"host_files_peak_growth": {"host-wide open file handles at their peak over the samples minus at the first sample", noArg(HostFilesPeakGrowth)},
	// what tells the models apart (metric_model.go)
	"processes":            {"the server and its descendants at the probe labelled arg", stepOf(StepProbe, Processes)},
	"threads":              {"threads of the server and its descendants at the probe labelled arg", stepOf(StepProbe, Threads)},
	"busiest_worker_share": {"the largest share of the accepts any one prefork worker logged (1/N is an even spread)", noArg(BusiestWorkerShare)},
	"workers_accepting":    {"prefork workers that logged at least one accept", noArg(WorkersAccepting)},
	"rss_per_conn_kib": {"the specimen's resident memory at its peak over the samples, less at the first, per connection the client step arg kept open, in KiB",
		stepOf(StepClient, RSSPerConn)},
	"memory_per_conn_kib": {"the cgroup's memory charge (socket buffers included) at its peak, less at the first sample, per connection the client step arg kept open, in KiB",
		stepOf(StepClient, MemoryPerConn)},
	// load steps (metric_load.go)
	"rps":         {"requests per second the load step labelled arg measured", stepOf(StepLoad, RPS)},
	"load_errors": {"errors of every kind (refused, reset, timeout, ...) in the load step labelled arg", stepOf(StepLoad, LoadErrors)},
	"load_lost": {"requests that reached the server and got no 2xx answer in the load step labelled arg: every error but a connect that timed out, which never reached it",
		stepOf(StepLoad, LoadLost)},
	"listen_drops": {"SYNs and handshakes the listen queue dropped (the namespace's ListenDrops, after the load step labelled arg less before)",
		stepOf(StepLoad, ListenDrops)},
	"p99_ms":     {"the 99th percentile of latency, in ms, in the load step labelled arg", stepOf(StepLoad, P99)},
	"p99_growth": {"the p99 of one load step over another's, arg \"A over B\": how much the tail grew from B to A", overSteps(P99Growth)},
	"cpu_per_request_us": {"the specimen's CPU time (user + system, from its cgroup just before and after) per request, in µs, in the load step labelled arg",
		stepOf(StepLoad, CPUPerRequestUS)},
	// the kernel's work (syscalls.go)
	"syscalls_per_request": {"system calls named in arg (\"LABEL: a+b\", or \"LABEL: all\") the specimen entered over the traced load step LABEL, per request answered",
		decodeSyscallsPerRequest},
	"succeeded_per_request": {"system calls named in arg (\"LABEL: a+b\") that returned no error over the traced load step LABEL, per request answered",
		decodeSucceededPerRequest},
	"cpu_traced_over_untraced": {"the specimen's CPU per request in one load step over another's, arg \"A over B\": what tracing cost", overSteps(TracedOver)},
	// part 2 (wsgi.go)
	"wsgi_failures": {"WSGI conformance failures: /hello's status, body (arg) and headers, the environ's PEP 3333 keys (see WSGIConformance)",
		word(WSGIFailures)},
	// hostile input (robustness.go)
	"hostile_cases":      {"hostile cases run", noArg(HostileCases)},
	"hostile_violations": {"hostile cases answered otherwise than the RFCs allow", noArg(HostileViolations)},
	"hostile_crashes": {"hostile cases after which the specimen did not answer GET /hello, plus one if it was not running at the end",
		noArg(HostileCrashes)},
}

// MetricDoc returns what the metric called name measures.
func MetricDoc(name string) string { return metrics[name].doc }

// DecodeMetric binds the metric a record names, with its parameter and its
// step filter, by the constructor the suite declares it with.
func DecodeMetric(name, arg, step string) (Metric, error) {
	def, ok := metrics[name]
	if !ok {
		return Metric{}, fmt.Errorf("unknown metric %q", name)
	}
	m, err := def.decode(arg)
	if err != nil {
		return Metric{}, fmt.Errorf("metric %s: %w", name, err)
	}
	if step != "" {
		m = m.Among(Step{Kind: StepClient, Label: step})
	}
	return m, nil
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

// Outcomes counts the connections whose outcome is o.
func Outcomes(o client.Outcome) Metric {
	return newMetric("outcome", string(o), func(t Trial) (float64, error) {
		return count(t, func(r client.Result) bool { return r.Outcome == o },
			func(s client.Summary) int { return s.Outcomes[o] })
	})
}

// Connections counts the connections every client step made.
func Connections() Metric {
	return newMetric("connections", "", func(t Trial) (float64, error) {
		return count(t, func(client.Result) bool { return true }, func(s client.Summary) int { return s.Total })
	})
}

// Unconnected counts the connections whose handshake never completed.
func Unconnected() Metric {
	return newMetric("unconnected", "", func(t Trial) (float64, error) {
		return count(t, func(r client.Result) bool { return r.Connect == 0 },
			func(s client.Summary) int { return s.Total - s.Connected })
	})
}

// KeptOpen counts the connections whose reply came and that the server had
// not closed when the client let go.
func KeptOpen() Metric { return newMetric("kept_open", "", keptOpen) }

func keptOpen(t Trial) (float64, error) {
	return count(t, client.Result.KeptOpen, func(s client.Summary) int { return s.KeptOpen })
}

// RepliedWithin counts the connections that got their whole reply within d
// of their start.
func RepliedWithin(d time.Duration) Metric {
	return timedMetric(newMetric("replied_within", d.String(), func(t Trial) (float64, error) {
		if len(Results(t)) == 0 {
			return 0, errNoClients // a summary keeps no timings
		}
		return count(t, func(r client.Result) bool { return r.Outcome == client.Replied && r.Done < d },
			func(client.Summary) int { return 0 })
	}))
}

// ConnectedWithin counts the connections whose handshake completed within d.
func ConnectedWithin(d time.Duration) Metric {
	return timedMetric(newMetric("connected_within", d.String(), func(t Trial) (float64, error) {
		if len(Results(t)) == 0 {
			return 0, errNoClients // a summary keeps no timings
		}
		return count(t, func(r client.Result) bool { return r.Connect > 0 && r.Connect < d },
			func(client.Summary) int { return 0 })
	}))
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

// DoneMax is the seconds until the slowest connection ended.
func DoneMax() Metric {
	return timedMetric(newMetric("done_max", "", func(t Trial) (float64, error) {
		ds := DoneTimes(t)
		if len(ds) == 0 {
			return 0, errNoClients
		}
		return ds[len(ds)-1].Seconds(), nil
	}))
}

// DoneMin is the seconds until the fastest connection ended.
func DoneMin() Metric {
	return timedMetric(newMetric("done_min", "", func(t Trial) (float64, error) {
		ds := DoneTimes(t)
		if len(ds) == 0 {
			return 0, errNoClients
		}
		return ds[0].Seconds(), nil
	}))
}

// Staircase measures how far the connections' ends are from k*d, as a
// share of d: an iterative server finishes the k-th waiting client at k*D.
func Staircase(d time.Duration) Metric {
	return timedMetric(newMetric("staircase", d.String(), func(t Trial) (float64, error) {
		ds := DoneTimes(t)
		if len(ds) == 0 {
			return 0, errNoClients
		}
		worst := 0.0
		for k, done := range ds {
			worst = math.Max(worst, math.Abs(done.Seconds()-float64(k+1)*d.Seconds())/d.Seconds())
		}
		return worst, nil
	}))
}

// ConformanceFailures counts the reply conformance failures for the
// trial's wire (see Conformance).
func ConformanceFailures() Metric {
	return newMetric("conformance_failures", "", func(t Trial) (float64, error) {
		if len(Results(t)) == 0 {
			return 0, errNoClients
		}
		return float64(len(Conformance(t))), nil
	})
}
