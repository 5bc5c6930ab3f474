package main

// The tables: pure functions over records.

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/serverlab/serverlab/bench/internal/wrk"
)

// pair is one round of one mode: each server's run.
type pair struct {
	Run          string
	Round        int
	Epoll, Nginx record
}

// RPSRatio is epoll's req/s over nginx's; 0 when nginx served nothing.
func (p pair) RPSRatio() float64 { return ratio(p.Epoll.RPS, p.Nginx.RPS) }

// CPURatio is epoll's CPU per request over nginx's: below 1, epoll is cheaper.
func (p pair) CPURatio() float64 {
	return ratio(float64(p.Epoll.CPUPerRequest()), float64(p.Nginx.CPUPerRequest()))
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// pairs are the mode's complete rounds, in order; a round cut short by
// Ctrl-C, with one server's run only, is left out.
func pairs(rs []record, mode string) []pair {
	var out []pair
	for _, r := range rs {
		if r.Mode != mode {
			continue
		}
		i := slices.IndexFunc(out, func(p pair) bool { return p.Run == r.Run && p.Round == r.Round })
		if i < 0 {
			out = append(out, pair{Run: r.Run, Round: r.Round})
			i = len(out) - 1
		}
		switch r.Server {
		case epollName:
			out[i].Epoll = r
		case nginxName:
			out[i].Nginx = r
		}
	}
	return slices.DeleteFunc(out, func(p pair) bool { return p.Epoll.Server == "" || p.Nginx.Server == "" })
}

// side is one server's rounds of one mode, summed or averaged.
type side struct {
	RPS      float64       // mean of the rounds
	P50, P99 time.Duration // means of the rounds
	Requests int64         // all rounds
	CPU      time.Duration // all rounds
	OtherCPU time.Duration // the other server's, while this one ran
	Wall     time.Duration // all rounds
	CoreBusy time.Duration // all rounds
	Errors   wrk.Errors    // all rounds
}

// CPUPerRequest is the CPU of all rounds over their requests.
func (s side) CPUPerRequest() time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.Requests)
}

// Others is the share of the runs for which the servers' core did other work.
func (s side) Others() float64 { return others(s.CoreBusy, s.CPU+s.OtherCPU, s.Wall) }

// busyShare is the least share of other work on the servers' core that
// the tables mention: below it, a run had the core to itself.
const busyShare = 0.05

// summary is one mode over its rounds.
type summary struct {
	Mode         string
	Rounds       int
	Epoll, Nginx side
	// RPSRatio is the ratio of the mean req/s, MedianRPSRatio the median of
	// the rounds' ratios: the two disagree when one round was disturbed.
	RPSRatio, MedianRPSRatio float64
	// CPURatio is epoll's CPU per request over nginx's, all rounds pooled.
	CPURatio float64
}

// summarize sums each mode's complete rounds, modes in the order they ran.
func summarize(rs []record) []summary {
	var modes []string
	for _, r := range rs {
		if !slices.Contains(modes, r.Mode) {
			modes = append(modes, r.Mode)
		}
	}
	var out []summary
	for _, mode := range modes {
		ps := pairs(rs, mode)
		if len(ps) == 0 {
			continue
		}
		s := summary{Mode: mode, Rounds: len(ps)}
		ratios := make([]float64, 0, len(ps))
		for _, p := range ps {
			s.Epoll = s.Epoll.plus(p.Epoll)
			s.Nginx = s.Nginx.plus(p.Nginx)
			ratios = append(ratios, p.RPSRatio())
		}
		for _, sd := range []*side{&s.Epoll, &s.Nginx} {
			n := float64(len(ps))
			sd.RPS /= n
			sd.P50 = time.Duration(float64(sd.P50) / n)
			sd.P99 = time.Duration(float64(sd.P99) / n)
		}
		s.RPSRatio = ratio(s.Epoll.RPS, s.Nginx.RPS)
		s.MedianRPSRatio = median(ratios)
		s.CPURatio = ratio(float64(s.Epoll.CPUPerRequest()), float64(s.Nginx.CPUPerRequest()))
		out = append(out, s)
	}
	return out
}

// plus adds a run to the sums; summarize divides the means afterwards.
func (s side) plus(r record) side {
	s.RPS += r.RPS
	s.P50 += r.P50
	s.P99 += r.P99
	s.Requests += r.Requests
	s.CPU += r.CPU
	s.OtherCPU += r.OtherCPU
	s.Wall += r.Wall
	s.CoreBusy += r.CoreBusy
	s.Errors = s.Errors.Add(r.Errors)
	return s
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Sorted(slices.Values(xs))
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	return m
}

// printRoundHeader starts a mode's table of rounds.
func printRoundHeader(w io.Writer, mode string) {
	fmt.Fprintf(w, "\n%s\n%-5s %-5s | %11s %9s %9s %7s | %11s %9s %9s %7s | %11s %12s\n", mode,
		"round", "first", "epoll req/s", "p50", "p99", "µs/req", "nginx req/s", "p50", "p99", "µs/req",
		"req/s e/n", "µs/req e/n")
}

// printRound prints a round's row, then what went wrong in it, if anything:
// wrk's errors, the servers' log lines, and under Connection: close whether
// every request had its own connection.
func printRound(w io.Writer, p pair) {
	first := epollName
	if p.Nginx.First {
		first = nginxName
	}
	e, n := p.Epoll, p.Nginx
	fmt.Fprintf(w, "%-5d %-5s | %11.0f %9s %9s %7s | %11.0f %9s %9s %7s | %11.3f %12.3f\n", p.Round, first,
		e.RPS, ms(e.P50), ms(e.P99), us(e.CPUPerRequest()), n.RPS, ms(n.P50), ms(n.P99), us(n.CPUPerRequest()),
		p.RPSRatio(), p.CPURatio())
	for _, r := range []record{e, n} {
		if r.Errors.Total() > 0 {
			fmt.Fprintf(w, "      %s: wrk errors: %s, in %d requests\n", r.Server, r.Errors, r.Requests)
		}
		for i, line := range r.Log {
			if i == 3 {
				fmt.Fprintf(w, "      %s logged %d more lines\n", r.Server, len(r.Log)-i)
				break
			}
			fmt.Fprintf(w, "      %s logged: %s\n", r.Server, line)
		}
	}
	if e.Others() >= busyShare || n.Others() >= busyShare {
		fmt.Fprintf(w, "      CPU %s also ran other work: %.0f%% of epoll's run, %.0f%% of nginx's\n",
			serverCPU, 100*e.Others(), 100*n.Others())
	}
	if e.Mode == closeMode {
		fmt.Fprintf(w, "      connections: epoll accepted %d for %d requests; TIME_WAIT after epoll's run %d, after nginx's %d\n",
			e.Accepts, e.Requests, e.TimeWait, n.TimeWait)
	}
}

// printSummary prints each mode's means and ratios, and how the benchmark
// judges them: the goal is a req/s ratio of 1 or more, reported, never
// asserted.
func printSummary(w io.Writer, ss []summary) {
	if len(ss) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-10s %-6s | %11s %9s %9s %7s | %11s %9s %9s %7s | %-21s | %s\n",
		"mode", "rounds", "epoll req/s", "p50", "p99", "µs/req", "nginx req/s", "p50", "p99", "µs/req",
		"req/s epoll/nginx", "µs/req epoll/nginx")
	for _, s := range ss {
		e, n := s.Epoll, s.Nginx
		fmt.Fprintf(w, "%-10s %-6d | %11.0f %9s %9s %7s | %11.0f %9s %9s %7s | %5.3f (median %5.3f) | %5.3f\n",
			s.Mode, s.Rounds, e.RPS, ms(e.P50), ms(e.P99), us(e.CPUPerRequest()),
			n.RPS, ms(n.P50), ms(n.P99), us(n.CPUPerRequest()), s.RPSRatio, s.MedianRPSRatio, s.CPURatio)
	}
	var errs []string
	for _, s := range ss {
		for _, sd := range []struct {
			name string
			side side
		}{{epollName, s.Epoll}, {nginxName, s.Nginx}} {
			if sd.side.Errors.Total() > 0 {
				errs = append(errs, fmt.Sprintf("%s %s: %s in %d requests", s.Mode, sd.name, sd.side.Errors, sd.side.Requests))
			}
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "wrk errors: %s\n", strings.Join(errs, "; "))
	} else {
		fmt.Fprintln(w, "wrk errors: none")
	}
	var idle []string
	for _, s := range ss {
		idle = append(idle, fmt.Sprintf("%s: nginx %v during epoll's runs, epoll %v during nginx's",
			s.Mode, s.Epoll.OtherCPU, s.Nginx.OtherCPU))
	}
	fmt.Fprintf(w, "CPU of the idle server: %s\n", strings.Join(idle, "; "))
	var busy []string
	for _, s := range ss {
		busy = append(busy, fmt.Sprintf("%s: %.0f%% of epoll's runs, %.0f%% of nginx's",
			s.Mode, 100*s.Epoll.Others(), 100*s.Nginx.Others()))
	}
	fmt.Fprintf(w, "CPU %s busy with other work than the servers: %s\n", serverCPU, strings.Join(busy, "; "))
	fmt.Fprintln(w, "req/s epoll/nginx: ratio of the means (the goal is >= 1.0; measured, not asserted); "+
		"it follows wrk's one core on a quiet machine, the share of CPU 0 left to the server on a busy one.")
	fmt.Fprintln(w, "µs/req: the server's CPU time (user + system, all its processes) per request; "+
		"epoll/nginx below 1.0: epoll is cheaper.")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Microsecond)) }
