package main

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/serverlab/serverlab/bench/internal/wrk"
)

// measured is a record with the figures the tables read.
func measured(mode string, round int, server string, rps float64, requests int64, cpu time.Duration) record {
	return record{Mode: mode, Round: round, Server: server, RPS: rps, Requests: requests, CPU: cpu,
		P50: time.Millisecond, P99: 3 * time.Millisecond}
}

func TestSummarize(t *testing.T) {
	rs := []record{
		measured(keepAlive, 1, epollName, 100000, 1000000, 7500*time.Millisecond), // 7.5 µs/req
		measured(keepAlive, 1, uringName, 110000, 1100000, 6600*time.Millisecond), // 6 µs/req
		measured(keepAlive, 1, nginxName, 80000, 800000, 7200*time.Millisecond),   // 9 µs/req
		measured(keepAlive, 2, nginxName, 100000, 1000000, 9000*time.Millisecond), // nginx first this round
		measured(keepAlive, 2, epollName, 90000, 900000, 6750*time.Millisecond),
		measured(keepAlive, 2, uringName, 90000, 900000, 5400*time.Millisecond),
		measured(keepAlive, 3, epollName, 1, 1, time.Second), // Ctrl-C before the others' runs: left out
		measured(closeMode, 1, epollName, 30000, 300000, 9*time.Second),
		measured(closeMode, 1, uringName, 30000, 300000, 9*time.Second),
		measured(closeMode, 1, nginxName, 20000, 200000, 6*time.Second),
	}
	rs[6].Errors = wrk.Errors{Connect: 9} // in the dropped round: not counted
	rs[7].Errors = wrk.Errors{Connect: 2}
	got := summarize(rs)
	if len(got) != 2 || got[0].Mode != keepAlive || got[1].Mode != closeMode {
		t.Fatalf("got %+v; want keep-alive then close", got)
	}
	ka, cl := got[0], got[1]
	cmp := func(s summary, a, b string) comparison {
		for _, c := range s.Ratios {
			if c.A == a && c.B == b {
				return c
			}
		}
		t.Fatalf("%s: no ratio %s/%s in %+v", s.Mode, a, b, s.Ratios)
		return comparison{}
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"keep-alive rounds", float64(ka.Rounds), 2},
		{"keep-alive epoll mean req/s", ka.Sides[epollName].RPS, 95000},
		{"keep-alive nginx mean req/s", ka.Sides[nginxName].RPS, 90000},
		{"keep-alive req/s ratio of the means", cmp(ka, epollName, nginxName).RPSRatio, 95000.0 / 90000},
		{"keep-alive median of 1.25 and 0.9", cmp(ka, epollName, nginxName).MedianRPSRatio, (1.25 + 0.9) / 2},
		{"keep-alive epoll µs/req, pooled", us64(ka.Sides[epollName].CPUPerRequest()), 7.5},
		{"keep-alive nginx µs/req, pooled", us64(ka.Sides[nginxName].CPUPerRequest()), 9},
		{"keep-alive CPU ratio", cmp(ka, epollName, nginxName).CPURatio, 7.5 / 9},
		{"keep-alive uring µs/req, pooled", us64(ka.Sides[uringName].CPUPerRequest()), 6},
		{"keep-alive uring over epoll, CPU", cmp(ka, uringName, epollName).CPURatio, 6 / 7.5},
		{"keep-alive uring over nginx, CPU", cmp(ka, uringName, nginxName).CPURatio, 6.0 / 9},
		{"close req/s ratio", cmp(cl, epollName, nginxName).RPSRatio, 1.5},
		{"close CPU ratio: 30 µs over 30 µs", cmp(cl, epollName, nginxName).CPURatio, 1},
		{"close epoll connect errors", float64(cl.Sides[epollName].Errors.Connect), 2},
		{"keep-alive epoll errors: the dropped round's are not counted", float64(ka.Sides[epollName].Errors.Total()), 0},
		{"mean p99", us64(ka.Sides[nginxName].P99), 3000},
		{"the ratios of three servers", float64(len(ka.Ratios)), 3},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// Records of two servers (a run without io_uring, or before it) pool
	// as they did: one ratio.
	two := summarize([]record{measured(keepAlive, 1, epollName, 100, 100, time.Second), measured(keepAlive, 1, nginxName, 100, 100, time.Second)})
	if len(two) != 1 || len(two[0].Ratios) != 1 || two[0].Ratios[0].A != epollName {
		t.Errorf("two servers: got %+v, want the one ratio epoll/nginx", two)
	}
}

func us64(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func TestOthers(t *testing.T) {
	tests := []struct {
		name                string
		busy, servers, wall time.Duration
		want                float64
	}{
		{"alone", 9 * time.Second, 9 * time.Second, 10 * time.Second, 0},              // the servers only
		{"shared", 10 * time.Second, 8 * time.Second, 10 * time.Second, 0.2},          // 2 s of another program
		{"tick noise", 8990 * time.Millisecond, 9 * time.Second, 10 * time.Second, 0}, // the core's ticks short of the servers'
		{"no run", time.Second, 0, 0, 0},                                              // nothing measured
	}
	for _, tt := range tests {
		if got := others(tt.busy, tt.servers, tt.wall); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRatioOfNothing(t *testing.T) {
	// A server that served nothing has no ratio rather than an infinite one.
	p := round{Runs: map[string]record{epollName: measured(keepAlive, 1, epollName, 100, 100, time.Second), nginxName: {Server: nginxName}}}
	if got := p.RPSRatio(epollName, nginxName); got != 0 {
		t.Errorf("RPSRatio: got %v, want 0", got)
	}
	if got := p.CPURatio(epollName, nginxName); got != 0 {
		t.Errorf("CPURatio: got %v, want 0", got)
	}
	if got := summarize(nil); len(got) != 0 {
		t.Errorf("summarize(nil): got %+v, want nothing", got)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},                     // no rounds
		{[]float64{3, 1, 2}, 2},      // odd: the middle one, sorted
		{[]float64{4, 1, 3, 2}, 2.5}, // even: the mean of the middle two
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.in...)
		if got := median(in); got != tt.want {
			t.Errorf("median(%v): got %v, want %v", tt.in, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.in[i] {
				t.Errorf("median(%v) reordered its input", tt.in)
			}
		}
	}
}

func Example_printSummary() {
	rs := []record{
		measured(keepAlive, 1, epollName, 100000, 1000000, 7500*time.Millisecond),
		measured(keepAlive, 1, uringName, 100000, 1000000, 6000*time.Millisecond),
		measured(keepAlive, 1, nginxName, 90000, 900000, 8100*time.Millisecond),
	}
	rs[2].Errors.Read = 3
	rs[0].Wall, rs[0].CoreBusy = 10*time.Second, 7500*time.Millisecond // the core had nothing else to do
	rs[1].Wall, rs[1].CoreBusy = 10*time.Second, 6000*time.Millisecond
	rs[2].Wall, rs[2].CoreBusy = 10*time.Second, 9100*time.Millisecond // another program took 1 s of 10
	printSummary(os.Stdout, summarize(rs))
	// Output:
	// mode       rounds server |       req/s       p50       p99  µs/req
	// keep-alive 1      epoll  |      100000   1.000ms   3.000ms    7.50
	// keep-alive 1      uring  |      100000   1.000ms   3.000ms    6.00
	// keep-alive 1      nginx  |       90000   1.000ms   3.000ms    9.00
	//
	// mode       ratio         | req/s                 | µs/req
	// keep-alive epoll/nginx   | 1.111 (median 1.111) | 0.833
	// keep-alive uring/epoll   | 1.000 (median 1.000) | 0.800
	// keep-alive uring/nginx   | 1.111 (median 1.111) | 0.667
	// wrk errors: keep-alive nginx: read 3 in 900000 requests
	// CPU of the idle servers: keep-alive: 0s during epoll's runs; keep-alive: 0s during uring's runs; keep-alive: 0s during nginx's runs
	// CPU 0 busy with other work than the servers: keep-alive: 0% of epoll's runs; keep-alive: 0% of uring's runs; keep-alive: 10% of nginx's runs
	// req/s A/B: ratio of the means (the goal for epoll/nginx is >= 1.0; measured, not asserted); it follows wrk's one core on a quiet machine, the share of CPU 0 left to the server on a busy one.
	// µs/req: the server's CPU time (user + system, all its processes) per request; A/B below 1.0: A is cheaper.
}

func Example_printRound() {
	p := round{Round: 2, Runs: map[string]record{
		epollName: measured(closeMode, 2, epollName, 40000, 400000, 12*time.Second),
		nginxName: measured(closeMode, 2, nginxName, 38000, 380000, 11400*time.Millisecond)}}
	e, n := p.Runs[epollName], p.Runs[nginxName]
	n.First = true
	e.Accepts, e.TimeWait, n.TimeWait = 400064, 27000, 28000
	e.Errors.Connect = 12
	e.Wall, e.CoreBusy = 15*time.Second, 15*time.Second // 3 s of 15 went to another program
	n.Wall, n.CoreBusy = 15*time.Second, 11400*time.Millisecond
	e.Log = []string{"accept: EMFILE 1", "accept: EMFILE 2", "accept: EMFILE 3", "accept: EMFILE 4", "accept: EMFILE 5"}
	p.Runs[epollName], p.Runs[nginxName] = e, n
	printRoundHeader(os.Stdout, "close", p.servers())
	printRound(os.Stdout, p)
	// Output:
	//
	// close
	// round first | epoll req/s       p50       p99  µs/req | nginx req/s       p50       p99  µs/req |    µs/req e/n
	// 2     nginx |       40000   1.000ms   3.000ms   30.00 |       38000   1.000ms   3.000ms   30.00 |         1.000
	//       epoll: wrk errors: connect 12, in 400000 requests
	//       epoll logged: accept: EMFILE 1
	//       epoll logged: accept: EMFILE 2
	//       epoll logged: accept: EMFILE 3
	//       epoll logged 2 more lines
	//       CPU 0 also ran other work: 20% of epoll's run
	//       connections: epoll accepted 400064 for 400000 requests, TIME_WAIT after its run 27000; TIME_WAIT after nginx's run 28000
}
