package experiment

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/load"
)

// The metrics of load steps: what a model delivers under load and what it
// costs. Each reads the load step it is given.

// noLoss are the checks that arm's server lost nothing in the load step
// at: no request it was sent went unanswered, and its listen
// queue dropped no handshake. A connect that timed out with neither is not
// the server's: on loopback about one in 10 000 does, at a few thousand new
// connections a second, with no listen overflow or drop counted (first seen
// 2026-11-26 in latency-under-load and gunicorn-comparison). It stays in the
// record, as the load generator's connect errors.
func noLoss(arm string, at Step, when string) []Check {
	return []Check{
		check(arm, LoadLost(at), EQ, 0, "no request that reached the server is lost"+when),
		check(arm, ListenDrops(at), EQ, 0, "the listen queue drops no handshake"+when),
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

// ofLoad is a metric called name of the load step at, computed from its run.
func ofLoad(name string, at Step, fn func(*LoadRun) (float64, error)) Metric {
	return newMetric(name, at.Label, func(t Trial) (float64, error) {
		r, err := LoadOf(t, at.Label)
		if err != nil {
			return 0, err
		}
		return fn(r)
	}, at)
}

// RPS is the requests per second the load step at measured.
func RPS(at Step) Metric {
	return timedMetric(ofLoad("rps", at, func(r *LoadRun) (float64, error) { return r.Result.RPS, nil }))
}

// LoadErrors counts the errors of every kind (refused, reset, timeout, ...)
// in the load step at.
func LoadErrors(at Step) Metric {
	return ofLoad("load_errors", at, func(r *LoadRun) (float64, error) { return float64(r.Result.Errs()), nil })
}

// LoadLost counts the requests that reached the server and got no 2xx
// answer in the load step at: every error but a connect that timed out,
// which never reached it.
func LoadLost(at Step) Metric {
	return ofLoad("load_lost", at, func(r *LoadRun) (float64, error) {
		return float64(r.Result.Errs() - r.Result.Errors[load.Connect]), nil
	})
}

// ListenDrops counts the SYNs and handshakes the listen queue dropped (the
// namespace's ListenDrops, after the load step at less before).
func ListenDrops(at Step) Metric {
	return ofLoad("listen_drops", at, func(r *LoadRun) (float64, error) {
		if r.Before == nil || r.After == nil || r.Before.Net == nil || r.After.Net == nil {
			return 0, errors.New("the namespace's listen counters were not read before and after")
		}
		return float64(r.After.Net.ListenDrops - r.Before.Net.ListenDrops), nil
	})
}

// P99 is the 99th percentile of latency, in ms, in the load step at.
func P99(at Step) Metric { return timedMetric(ofLoad("p99_ms", at, p99)) }

func p99(r *LoadRun) (float64, error) {
	if r.Result.Requests == 0 {
		return 0, errors.New("no request was answered")
	}
	return r.Result.Latency.P99, nil
}

// P99Growth is the p99 of load step a over load step b's: how much the tail
// grew from b to a. No check judges it any more; records made before keep
// it.
func P99Growth(a, b Step) Metric { return stepsOver("p99_growth", P99, a, b) }

// stepsOver is the metric of of's value in load step a over its value in
// load step b, called name, its parameter "A over B".
func stepsOver(name string, of func(Step) Metric, a, b Step) Metric {
	return timedMetric(newMetric(name, a.Label+" over "+b.Label, func(t Trial) (float64, error) {
		va, err := of(a).Of(t)
		if err != nil {
			return 0, err
		}
		vb, err := of(b).Of(t)
		if err != nil {
			return 0, err
		}
		if vb == 0 {
			return 0, fmt.Errorf("%s of %s is 0", of(b).Name, b.Label)
		}
		return va / vb, nil
	}, a, b))
}

// overSteps binds a parameter "A over B" of two load steps' labels.
func overSteps(f func(a, b Step) Metric) func(string) (Metric, error) {
	return func(arg string) (Metric, error) {
		a, b, ok := strings.Cut(arg, " over ")
		if !ok {
			return Metric{}, fmt.Errorf("needs \"A over B\", got %q", arg)
		}
		return f(Step{Kind: StepLoad, Label: a}, Step{Kind: StepLoad, Label: b}), nil
	}
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

// CPUPerRequestUS is the specimen's CPU time (user + system, from its
// cgroup just before and after) per request, in µs, in the load step at.
func CPUPerRequestUS(at Step) Metric {
	return timedMetric(ofLoad("cpu_per_request_us", at, func(r *LoadRun) (float64, error) {
		d, err := CPUPerRequest(r)
		return float64(d) / float64(time.Microsecond), err
	}))
}
