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

// serverOrder is the order the tables show the servers in: the specimens,
// then nginx, the peer.
var serverOrder = []string{epollName, uringName, nginxName}

// comparisons are the ratios the tables print, each A over B: the epoll
// specimen against nginx, and the io_uring specimen against both.
var comparisons = [][2]string{{epollName, nginxName}, {uringName, epollName}, {uringName, nginxName}}

// round is one round of one mode: each server's run, by name.
type round struct {
	Run   string
	Round int
	Runs  map[string]record
}

// servers are the round's servers, in serverOrder.
func (r round) servers() []string {
	var out []string
	for _, name := range serverOrder {
		if _, ok := r.Runs[name]; ok {
			out = append(out, name)
		}
	}
	return out
}

// first is the server that ran first in the round.
func (r round) first() string {
	for name, run := range r.Runs {
		if run.First {
			return name
		}
	}
	return "?"
}

// RPSRatio is a's req/s over b's; 0 when b served nothing.
func (r round) RPSRatio(a, b string) float64 { return ratio(r.Runs[a].RPS, r.Runs[b].RPS) }

// CPURatio is a's CPU per request over b's: below 1, a is cheaper.
func (r round) CPURatio(a, b string) float64 {
	return ratio(float64(r.Runs[a].CPUPerRequest()), float64(r.Runs[b].CPUPerRequest()))
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// rounds are the mode's complete rounds, in order: a round cut short by
// Ctrl-C, without the run of a server that its run's other rounds have, is
// left out.
func rounds(rs []record, mode string) []round {
	var out []round
	servers := map[string][]string{} // by run: the servers its rounds measured
	for _, r := range rs {
		if r.Mode != mode {
			continue
		}
		if !slices.Contains(servers[r.Run], r.Server) {
			servers[r.Run] = append(servers[r.Run], r.Server)
		}
		i := slices.IndexFunc(out, func(p round) bool { return p.Run == r.Run && p.Round == r.Round })
		if i < 0 {
			out = append(out, round{Run: r.Run, Round: r.Round, Runs: map[string]record{}})
			i = len(out) - 1
		}
		out[i].Runs[r.Server] = r
	}
	return slices.DeleteFunc(out, func(p round) bool { return len(p.Runs) < len(servers[p.Run]) })
}

// side is one server's rounds of one mode, summed or averaged.
type side struct {
	RPS      float64       // mean of the rounds
	P50, P99 time.Duration // means of the rounds
	Requests int64         // all rounds
	CPU      time.Duration // all rounds
	OtherCPU time.Duration // the other servers', while this one ran
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
	Mode    string
	Rounds  int
	Servers []string // in serverOrder
	Sides   map[string]side
	Ratios  []comparison // those whose two servers ran
}

// comparison is one server against another over a mode's rounds.
type comparison struct {
	A, B string
	// RPSRatio is the ratio of the mean req/s, MedianRPSRatio the median of
	// the rounds' ratios: the two disagree when one round was disturbed.
	RPSRatio, MedianRPSRatio float64
	// CPURatio is A's CPU per request over B's, all rounds pooled.
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
		ps := rounds(rs, mode)
		if len(ps) == 0 {
			continue
		}
		s := summary{Mode: mode, Rounds: len(ps), Sides: map[string]side{}}
		for _, p := range ps {
			for name, r := range p.Runs {
				s.Sides[name] = s.Sides[name].plus(r)
			}
		}
		for _, name := range serverOrder {
			sd, ok := s.Sides[name]
			if !ok {
				continue
			}
			s.Servers = append(s.Servers, name)
			n := float64(len(ps))
			sd.RPS /= n
			sd.P50 = time.Duration(float64(sd.P50) / n)
			sd.P99 = time.Duration(float64(sd.P99) / n)
			s.Sides[name] = sd
		}
		for _, c := range comparisons {
			a, aok := s.Sides[c[0]]
			b, bok := s.Sides[c[1]]
			if !aok || !bok {
				continue
			}
			ratios := make([]float64, 0, len(ps))
			for _, p := range ps {
				ratios = append(ratios, p.RPSRatio(c[0], c[1]))
			}
			s.Ratios = append(s.Ratios, comparison{A: c[0], B: c[1], RPSRatio: ratio(a.RPS, b.RPS), MedianRPSRatio: median(ratios),
				CPURatio: ratio(float64(a.CPUPerRequest()), float64(b.CPUPerRequest()))})
		}
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

// ratioNames are the comparisons among servers, as the headers name them.
func ratioNames(servers []string) (out [][2]string) {
	for _, c := range comparisons {
		if slices.Contains(servers, c[0]) && slices.Contains(servers, c[1]) {
			out = append(out, c)
		}
	}
	return out
}

// printRoundHeader starts a mode's table of rounds over servers.
func printRoundHeader(w io.Writer, mode string, servers []string) {
	fmt.Fprintf(w, "\n%s\n%-5s %-5s", mode, "round", "first")
	for _, name := range servers {
		fmt.Fprintf(w, " | %11s %9s %9s %7s", name+" req/s", "p50", "p99", "µs/req")
	}
	fmt.Fprint(w, " |")
	for _, c := range ratioNames(servers) {
		fmt.Fprintf(w, " %13s", "µs/req "+string(c[0][0])+"/"+string(c[1][0]))
	}
	fmt.Fprintln(w)
}

// printRound prints a round's row, then what went wrong in it, if anything:
// wrk's errors, the servers' log lines, and under Connection: close whether
// every request had its own connection.
func printRound(w io.Writer, p round) {
	servers := p.servers()
	fmt.Fprintf(w, "%-5d %-5s", p.Round, p.first())
	for _, name := range servers {
		r := p.Runs[name]
		fmt.Fprintf(w, " | %11.0f %9s %9s %7s", r.RPS, ms(r.P50), ms(r.P99), us(r.CPUPerRequest()))
	}
	fmt.Fprint(w, " |")
	for _, c := range ratioNames(servers) {
		fmt.Fprintf(w, " %13.3f", p.CPURatio(c[0], c[1]))
	}
	fmt.Fprintln(w)
	var busy, conns []string
	for _, name := range servers {
		r := p.Runs[name]
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
		if r.Others() >= busyShare {
			busy = append(busy, fmt.Sprintf("%.0f%% of %s's run", 100*r.Others(), name))
		}
		if r.Mode == closeMode {
			if name == nginxName {
				conns = append(conns, fmt.Sprintf("TIME_WAIT after nginx's run %d", r.TimeWait))
			} else {
				conns = append(conns, fmt.Sprintf("%s accepted %d for %d requests, TIME_WAIT after its run %d", name, r.Accepts, r.Requests, r.TimeWait))
			}
		}
	}
	if len(busy) > 0 {
		fmt.Fprintf(w, "      CPU %s also ran other work: %s\n", serverCPU, strings.Join(busy, ", "))
	}
	if len(conns) > 0 {
		fmt.Fprintf(w, "      connections: %s\n", strings.Join(conns, "; "))
	}
}

// printSummary prints each mode's means and ratios, and how the benchmark
// judges them: the goal is a req/s ratio of 1 or more, reported, never
// asserted.
func printSummary(w io.Writer, ss []summary) {
	if len(ss) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-10s %-6s %-6s | %11s %9s %9s %7s\n", "mode", "rounds", "server", "req/s", "p50", "p99", "µs/req")
	for _, s := range ss {
		for _, name := range s.Servers {
			sd := s.Sides[name]
			fmt.Fprintf(w, "%-10s %-6d %-6s | %11.0f %9s %9s %7s\n", s.Mode, s.Rounds, name, sd.RPS, ms(sd.P50), ms(sd.P99), us(sd.CPUPerRequest()))
		}
	}
	fmt.Fprintf(w, "\n%-10s %-13s | %-21s | %s\n", "mode", "ratio", "req/s", "µs/req")
	for _, s := range ss {
		for _, c := range s.Ratios {
			fmt.Fprintf(w, "%-10s %-13s | %5.3f (median %5.3f) | %5.3f\n", s.Mode, c.A+"/"+c.B, c.RPSRatio, c.MedianRPSRatio, c.CPURatio)
		}
	}
	var errs, idle, busy []string
	for _, s := range ss {
		for _, name := range s.Servers {
			sd := s.Sides[name]
			if sd.Errors.Total() > 0 {
				errs = append(errs, fmt.Sprintf("%s %s: %s in %d requests", s.Mode, name, sd.Errors, sd.Requests))
			}
			idle = append(idle, fmt.Sprintf("%s: %v during %s's runs", s.Mode, sd.OtherCPU, name))
			busy = append(busy, fmt.Sprintf("%s: %.0f%% of %s's runs", s.Mode, 100*sd.Others(), name))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(w, "wrk errors: %s\n", strings.Join(errs, "; "))
	} else {
		fmt.Fprintln(w, "wrk errors: none")
	}
	fmt.Fprintf(w, "CPU of the idle servers: %s\n", strings.Join(idle, "; "))
	fmt.Fprintf(w, "CPU %s busy with other work than the servers: %s\n", serverCPU, strings.Join(busy, "; "))
	fmt.Fprintln(w, "req/s A/B: ratio of the means (the goal for epoll/nginx is >= 1.0; measured, not asserted); "+
		"it follows wrk's one core on a quiet machine, the share of CPU 0 left to the server on a busy one.")
	fmt.Fprintln(w, "µs/req: the server's CPU time (user + system, all its processes) per request; "+
		"A/B below 1.0: A is cheaper.")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Microsecond)) }
