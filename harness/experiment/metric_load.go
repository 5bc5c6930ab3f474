package experiment

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/load"
)

// The metrics of load steps: what a model delivers under load and what it
// costs. Each takes the label of the load step it reads.
func init() {
	for name, m := range map[string]metric{
		"rps":         {rps, "requests per second the load step labelled arg measured"},
		"load_errors": {loadErrors, "errors of every kind (refused, reset, timeout, ...) in the load step labelled arg"},
		"load_lost": {loadLost,
			"requests that reached the server and got no 2xx answer in the load step labelled arg: every error but a connect that timed out, which never reached it"},
		"listen_drops": {listenDrops,
			"SYNs and handshakes the listen queue dropped (the namespace's ListenDrops, after the load step labelled arg less before)"},
		"p99_ms": {p99, "the 99th percentile of latency, in ms, in the load step labelled arg"},
		"p99_growth": {p99Growth,
			"the p99 of one load step over another's, arg \"A over B\": how much the tail grew from B to A"},
		"cpu_per_request_us": {cpuPerRequest,
			"the specimen's CPU time (user + system, from its cgroup just before and after) per request, in µs, in the load step labelled arg"},
	} {
		metrics[name] = m
	}
}

// noLoss are the checks that arm's server lost nothing in the load step
// labelled label: no request it was sent went unanswered, and its listen
// queue dropped no handshake. A connect that timed out with neither is not
// the server's: on loopback about one in 10 000 does, at a few thousand new
// connections a second, with no listen overflow or drop counted (first seen
// 2026-11-26 in latency-under-load and gunicorn-comparison). It stays in the
// record, as the load generator's connect errors.
func noLoss(arm, label, when string) []Check {
	return []Check{
		check(arm, "load_lost", label, "==", 0, "no request that reached the server is lost"+when),
		check(arm, "listen_drops", label, "==", 0, "the listen queue drops no handshake"+when),
	}
}

// LoadOf returns the run of the load step labelled label.
func LoadOf(t Trial, label string) (*LoadRun, error) {
	for _, s := range t.Steps {
		if s.Label == label && s.Load != nil {
			return s.Load, nil
		}
	}
	return nil, fmt.Errorf("no load step %q ran", label)
}

// LoadRuns returns the trial's load runs with their labels, in order.
func LoadRuns(t Trial) (labels []string, runs []*LoadRun) {
	for _, s := range t.Steps {
		if s.Load != nil {
			labels, runs = append(labels, s.Label), append(runs, s.Load)
		}
	}
	return labels, runs
}

func rps(t Trial, arg string) (float64, error) {
	r, err := LoadOf(t, arg)
	if err != nil {
		return 0, err
	}
	return r.Result.RPS, nil
}

func loadErrors(t Trial, arg string) (float64, error) {
	r, err := LoadOf(t, arg)
	if err != nil {
		return 0, err
	}
	return float64(r.Result.Errs()), nil
}

func loadLost(t Trial, arg string) (float64, error) {
	r, err := LoadOf(t, arg)
	if err != nil {
		return 0, err
	}
	return float64(r.Result.Errs() - r.Result.Errors[load.Connect]), nil
}

func listenDrops(t Trial, arg string) (float64, error) {
	r, err := LoadOf(t, arg)
	if err != nil {
		return 0, err
	}
	if r.Before == nil || r.After == nil || r.Before.Net == nil || r.After.Net == nil {
		return 0, errors.New("the namespace's listen counters were not read before and after")
	}
	return float64(r.After.Net.ListenDrops - r.Before.Net.ListenDrops), nil
}

func p99(t Trial, arg string) (float64, error) {
	r, err := LoadOf(t, arg)
	if err != nil {
		return 0, err
	}
	if r.Result.Requests == 0 {
		return 0, errors.New("no request was answered")
	}
	return r.Result.Latency.P99, nil
}

func p99Growth(t Trial, arg string) (float64, error) {
	a, b, ok := strings.Cut(arg, " over ")
	if !ok {
		return 0, fmt.Errorf("p99_growth needs \"A over B\", got %q", arg)
	}
	pa, err := p99(t, a)
	if err != nil {
		return 0, err
	}
	pb, err := p99(t, b)
	if err != nil {
		return 0, err
	}
	if pb == 0 {
		return 0, fmt.Errorf("the p99 of %s is 0", b)
	}
	return pa / pb, nil
}

// CPUPerRequest is what the specimen's cgroup spent per answered request
// over a load run: its CPU time just after the run less just before.
func CPUPerRequest(r *LoadRun) (time.Duration, error) {
	if r.Before == nil || r.After == nil || r.Before.Cgroup == nil || r.After.Cgroup == nil {
		return 0, errors.New("the specimen's cgroup was not read around the run")
	}
	if r.Result.Requests == 0 {
		return 0, errors.New("no request was answered")
	}
	b, a := r.Before.Cgroup, r.After.Cgroup
	used := (a.CPUUser + a.CPUSystem) - (b.CPUUser + b.CPUSystem)
	return used / time.Duration(r.Result.Requests), nil
}

func cpuPerRequest(t Trial, arg string) (float64, error) {
	r, err := LoadOf(t, arg)
	if err != nil {
		return 0, err
	}
	d, err := CPUPerRequest(r)
	return float64(d) / float64(time.Microsecond), err
}
