package experiment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// The metrics that tell the concurrency models apart: what a model spends
// per connection (processes, threads, memory) and how a prefork server
// spreads its accepts.

// tree is the server and its descendants at the probe labelled label.
func tree(t Trial, label string) ([]int, error) {
	p, err := probeLabelled(t, label)
	if err != nil {
		return nil, err
	}
	srv, err := server(t, p)
	if err != nil {
		return nil, err
	}
	var threads []int
	for _, q := range p.Tree(srv.PID) {
		threads = append(threads, q.Threads)
	}
	return threads, nil
}

// Processes counts the server and its descendants at the probe step at.
func Processes(at Step) Metric {
	return newMetric("processes", at.Label, func(t Trial) (float64, error) {
		ps, err := tree(t, at.Label)
		return float64(len(ps)), err
	}, at)
}

// Threads counts the threads of the server and its descendants at the
// probe step at.
func Threads(at Step) Metric {
	return newMetric("threads", at.Label, func(t Trial) (float64, error) {
		ps, err := tree(t, at.Label)
		n := 0
		for _, th := range ps {
			n += th
		}
		return float64(n), err
	}, at)
}

// WorkerAccepts counts the accepts each prefork worker logged ("accept
// fd=N worker=K pid=P"), by worker.
func WorkerAccepts(t Trial) map[string]int {
	out := map[string]int{}
	for _, l := range t.Logs {
		if !strings.HasPrefix(l, catalogue.LogAccept) {
			continue
		}
		for _, f := range strings.Fields(l) {
			if w, ok := strings.CutPrefix(f, catalogue.LogWorker); ok {
				out[w]++
			}
		}
	}
	return out
}

// BusiestWorkerShare is the largest share of the accepts any one prefork
// worker logged (1/N is an even spread).
func BusiestWorkerShare() Metric {
	return newMetric("busiest_worker_share", "", func(t Trial) (float64, error) {
		total, most := 0, 0
		for _, n := range WorkerAccepts(t) {
			total += n
			most = max(most, n)
		}
		if total == 0 {
			return 0, errors.New("no worker logged an accept")
		}
		return float64(most) / float64(total), nil
	})
}

// WorkersAccepting counts the prefork workers that logged an accept.
func WorkersAccepting() Metric {
	return newMetric("workers_accepting", "", func(t Trial) (float64, error) {
		return float64(len(WorkerAccepts(t))), nil
	})
}

// perConnection divides the growth of a timeline's peak over its first
// value by the connections the client step labelled step kept open: what
// each held connection cost.
func perConnection(t Trial, series, step string) (float64, error) {
	ps := Timeline(t, series)
	if len(ps) == 0 {
		return 0, fmt.Errorf("no sample gave %s", series)
	}
	peak, _ := Peak(ps)
	open, err := keptOpen(OfStep(t, step))
	if err != nil {
		return 0, err
	}
	if open == 0 {
		return 0, errors.New("no connection was kept open")
	}
	return (peak - ps[0].Value) * 1024 / open, nil // MiB to KiB
}

// RSSPerConn is the specimen's resident memory at its peak over the
// samples, less at the first, per connection the client step kept kept
// open, in KiB.
func RSSPerConn(kept Step) Metric {
	return newMetric("rss_per_conn_kib", kept.Label, func(t Trial) (float64, error) {
		return perConnection(t, SeriesRSS, kept.Label)
	}, kept)
}

// MemoryPerConn is the cgroup's memory charge (socket buffers included) at
// its peak, less at the first sample, per connection the client step kept
// kept open, in KiB.
func MemoryPerConn(kept Step) Metric {
	return newMetric("memory_per_conn_kib", kept.Label, func(t Trial) (float64, error) {
		return perConnection(t, SeriesMemory, kept.Label)
	}, kept)
}
