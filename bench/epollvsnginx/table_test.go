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
		measured(keepAlive, 1, nginxName, 80000, 800000, 7200*time.Millisecond),   // 9 µs/req
		measured(keepAlive, 2, nginxName, 100000, 1000000, 9000*time.Millisecond), // nginx first this round
		measured(keepAlive, 2, epollName, 90000, 900000, 6750*time.Millisecond),
		measured(keepAlive, 3, epollName, 1, 1, time.Second), // Ctrl-C before nginx's run: left out
		measured(closeMode, 1, epollName, 30000, 300000, 9*time.Second),
		measured(closeMode, 1, nginxName, 20000, 200000, 6*time.Second),
	}
	rs[4].Errors = wrk.Errors{Connect: 9} // in the dropped round: not counted
	rs[5].Errors = wrk.Errors{Connect: 2}
	got := summarize(rs)
	if len(got) != 2 || got[0].Mode != keepAlive || got[1].Mode != closeMode {
		t.Fatalf("got %+v; want keep-alive then close", got)
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"keep-alive rounds", float64(got[0].Rounds), 2},
		{"keep-alive epoll mean req/s", got[0].Epoll.RPS, 95000},
		{"keep-alive nginx mean req/s", got[0].Nginx.RPS, 90000},
		{"keep-alive req/s ratio of the means", got[0].RPSRatio, 95000.0 / 90000},
		{"keep-alive median of 1.25 and 0.9", got[0].MedianRPSRatio, (1.25 + 0.9) / 2},
		{"keep-alive epoll µs/req, pooled", us64(got[0].Epoll.CPUPerRequest()), 7.5},
		{"keep-alive nginx µs/req, pooled", us64(got[0].Nginx.CPUPerRequest()), 9},
		{"keep-alive CPU ratio", got[0].CPURatio, 7.5 / 9},
		{"close req/s ratio", got[1].RPSRatio, 1.5},
		{"close CPU ratio: 30 µs over 30 µs", got[1].CPURatio, 1},
		{"close epoll connect errors", float64(got[1].Epoll.Errors.Connect), 2},
		{"keep-alive epoll errors: the dropped round's are not counted", float64(got[0].Epoll.Errors.Total()), 0},
		{"mean p99", us64(got[0].Nginx.P99), 3000},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-tt.want) > 1e-9 {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
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
	p := pair{Epoll: measured(keepAlive, 1, epollName, 100, 100, time.Second), Nginx: record{Server: nginxName}}
	if got := p.RPSRatio(); got != 0 {
		t.Errorf("RPSRatio: got %v, want 0", got)
	}
	if got := p.CPURatio(); got != 0 {
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
		measured(keepAlive, 1, nginxName, 90000, 900000, 8100*time.Millisecond),
	}
	rs[1].Errors.Read = 3
	rs[0].Wall, rs[0].CoreBusy = 10*time.Second, 7500*time.Millisecond // the core had nothing else to do
	rs[1].Wall, rs[1].CoreBusy = 10*time.Second, 9100*time.Millisecond // another program took 1 s of 10
	printSummary(os.Stdout, summarize(rs))
	// Output:
	// mode       rounds | epoll req/s       p50       p99  µs/req | nginx req/s       p50       p99  µs/req | req/s epoll/nginx     | µs/req epoll/nginx
	// keep-alive 1      |      100000   1.000ms   3.000ms    7.50 |       90000   1.000ms   3.000ms    9.00 | 1.111 (median 1.111) | 0.833
	// wrk errors: keep-alive nginx: read 3 in 900000 requests
	// CPU of the idle server: keep-alive: nginx 0s during epoll's runs, epoll 0s during nginx's
	// CPU 0 busy with other work than the servers: keep-alive: 0% of epoll's runs, 10% of nginx's
	// req/s epoll/nginx: ratio of the means (the goal is >= 1.0; measured, not asserted); it follows wrk's one core on a quiet machine, the share of CPU 0 left to the server on a busy one.
	// µs/req: the server's CPU time (user + system, all its processes) per request; epoll/nginx below 1.0: epoll is cheaper.
}

func Example_printRound() {
	p := pair{Round: 2,
		Epoll: measured(closeMode, 2, epollName, 40000, 400000, 12*time.Second),
		Nginx: measured(closeMode, 2, nginxName, 38000, 380000, 11400*time.Millisecond)}
	p.Nginx.First = true
	p.Epoll.Accepts, p.Epoll.TimeWait, p.Nginx.TimeWait = 400064, 27000, 28000
	p.Epoll.Errors.Connect = 12
	p.Epoll.Wall, p.Epoll.CoreBusy = 15*time.Second, 15*time.Second // 3 s of 15 went to another program
	p.Nginx.Wall, p.Nginx.CoreBusy = 15*time.Second, 11400*time.Millisecond
	p.Epoll.Log = []string{"accept: EMFILE 1", "accept: EMFILE 2", "accept: EMFILE 3", "accept: EMFILE 4", "accept: EMFILE 5"}
	printRound(os.Stdout, p)
	// Output:
	// 2     nginx |       40000   1.000ms   3.000ms   30.00 |       38000   1.000ms   3.000ms   30.00 |       1.053        1.000
	//       epoll: wrk errors: connect 12, in 400000 requests
	//       epoll logged: accept: EMFILE 1
	//       epoll logged: accept: EMFILE 2
	//       epoll logged: accept: EMFILE 3
	//       epoll logged 2 more lines
	//       CPU 0 also ran other work: 20% of epoll's run, 0% of nginx's
	//       connections: epoll accepted 400064 for 400000 requests; TIME_WAIT after epoll's run 27000, after nginx's 28000
}
