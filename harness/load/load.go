// Package load is the lab's load generator, on a par with wrk: HTTP/1.1 GETs
// over many connections, in the closed model (each connection sends as soon
// as it is answered, wrk) or the open model (requests at a constant rate,
// each timed from when it was due, wrk2), with HDR histograms of latency,
// errors by kind and a per-second timeline.
//
// It dials loopback only unless the caller allows more, and every run is
// bounded in time, requests and connections (MaxDuration and the rest).
package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// generator is one run's shared, read-only state, with the recorder and the
// stop flag as the only things connections write.
type generator struct {
	o      Options
	addr   string // ip:port, resolved once
	req    []byte // Pipeline copies of the request
	reqLen int    // one request's bytes
	start  time.Time
	end    time.Duration // since start: Duration
	// ctx is done at the run's end or when the caller's is; stopped follows
	// it, as a flag cheap enough to test before every round.
	ctx     context.Context
	stopped atomic.Bool
	rec     *recorder
	dialer  net.Dialer
}

// now is the time since the run's start, on the monotonic clock.
func (g *generator) now() time.Duration { return time.Since(g.start) }

// over says whether the run has ended: an error now is the end's doing.
// It raises the stop flag itself: the AfterFunc that would may not have
// run yet, and a connection must not go round again meanwhile.
func (g *generator) over() bool {
	if g.stopped.Load() {
		return true
	}
	if g.ctx.Err() != nil {
		g.stopped.Store(true)
		return true
	}
	return false
}

// due is when round r of connection id is due in the open model. Rounds are
// spread evenly over the connections: the run's k-th round, k = id +
// r*Connections, is due k*Pipeline/Rate seconds after the start, so that
// requests leave at constant intervals however many connections share them.
func (g *generator) due(id int, r int64) time.Duration {
	k := float64(int64(id) + r*int64(g.o.Connections))
	return time.Duration(k * float64(g.o.Pipeline) * float64(time.Second) / g.o.Rate)
}

// Run loads target with the defaults changed by opts and returns what it
// measured. It returns an error only when no run took place: a bad option
// (named in the error) or a host it cannot resolve. When ctx ends the run
// early, the Result holds what was measured until then.
func Run(ctx context.Context, target string, opts ...Option) (Result, error) {
	o := NewOptions(target, opts...)
	e, err := o.endpoint()
	if err != nil {
		return Result{}, err
	}
	ip, err := resolve(ctx, o, e.host)
	if err != nil {
		return Result{}, err
	}
	g := &generator{
		o:      o,
		addr:   net.JoinHostPort(ip.String(), e.port),
		req:    o.request(e),
		end:    o.Duration,
		rec:    newRecorder(),
		dialer: net.Dialer{Timeout: o.Timeout},
	}
	g.reqLen = len(g.req) / o.Pipeline

	// Share the outcomes out, the first connections taking the remainder. A
	// run bounded by time alone is bounded by MaxRequests too.
	total := o.Requests
	if total == 0 {
		total = MaxRequests
	}
	conns := make([]*connection, o.Connections)
	for i := range conns {
		quota := total / int64(o.Connections)
		if int64(i) < total%int64(o.Connections) {
			quota++
		}
		conns[i] = newConnection(g, i, quota)
	}

	g.start = time.Now()
	runCtx, cancel := context.WithDeadline(ctx, g.start.Add(o.Duration))
	defer cancel()
	g.ctx = runCtx
	context.AfterFunc(runCtx, func() { g.stopped.Store(true) })

	var wg sync.WaitGroup
	for _, c := range conns {
		if c.quota == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run()
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	g.report(conns, done)
	return g.rec.result(o, g.elapsed(ctx, conns)), nil
}

// elapsed is the run's length, once it is over: its duration, unless the
// caller cut it short or every connection spent its quota sooner. (In the
// open model connections stop at their last round due before the end, a
// little before it.)
func (g *generator) elapsed(ctx context.Context, conns []*connection) time.Duration {
	now := min(g.now(), g.o.Duration)
	if ctx.Err() != nil {
		return now
	}
	for _, c := range conns {
		if c.quota > 0 {
			return g.o.Duration
		}
	}
	return now
}

// report calls the Progress callback until done is closed.
func (g *generator) report(conns []*connection, done <-chan struct{}) {
	if g.o.Progress == nil {
		<-done
		return
	}
	tick := time.NewTicker(g.o.ProgressEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
			p := Progress{Elapsed: min(g.now(), g.o.Duration)}
			for _, c := range conns {
				p.Requests += c.requests.Load()
				p.Errors += c.errors.Load()
			}
			g.o.Progress(p)
		}
	}
}

// resolve returns the address to dial for host, once for the whole run. A
// name accepted as loopback must resolve to loopback only.
func resolve(ctx context.Context, o Options, host string) (net.IP, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	var pick net.IP
	for _, a := range addrs {
		if Loopback(host) && !a.IP.IsLoopback() {
			return nil, fmt.Errorf("resolve %s: %v is outside loopback", host, a.IP)
		}
		if pick == nil || (pick.To4() == nil && a.IP.To4() != nil) { // IPv4 first, as servers listen on it
			pick = a.IP
		}
	}
	if pick == nil {
		return nil, fmt.Errorf("resolve %s: no address", host)
	}
	return pick, nil
}
