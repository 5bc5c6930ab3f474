package experiment

import (
	"fmt"
	"strconv"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// Load returns the experiments that put the models under load: how much
// they serve, at what latency and at what cost, on this machine.
func Load() []Experiment { return []Experiment{throughput(), latencyUnderLoad()} }

// Concurrency are the connection counts the throughput experiment tries.
var Concurrency = []int{1, 4, 16, 64, 256}

// loadModels are the models put under load, by arm name, with the preset
// and flags each runs with: the same backlog and idle timeout for all.
var loadModels = []struct{ name, preset string }{
	{"iterative", "webserver3a"}, {"forking", "webserver3g"}, {"prefork", "prefork"}, {"threads", "threads"},
	{"select", "select"}, {"epoll", "epoll"}, {"goroutines", "goroutines"},
}

// uringModel is the io_uring event loop, which joins the throughput and
// syscalls experiments: the kernel needs io_uring for it (see the uring
// specimen), and latency-under-load keeps to the models it always had.
var uringModel = struct{ name, preset string }{"uring", "uring"}

// throughputModels are the models throughput loads: loadModels and io_uring.
var throughputModels = append(loadModels[:len(loadModels):len(loadModels)], uringModel)

// loadFlags are every loaded model's flags: a backlog that holds 256
// connections, an idle timeout longer than a run.
var loadFlags = []string{"--backlog", "1024", "--idle-timeout", "30s"}

// level is the label of a throughput step at concurrency c.
func level(c int) string { return "c=" + strconv.Itoa(c) }

// levelStep is the load step of the level of c connections, without its
// load: what a check on that level reads.
func levelStep(c int) Step { return Step{Kind: StepLoad, Label: level(c)} }

// The modes of a throughput arm: connections kept for many requests, or
// one connection per request ("Connection: close").
const (
	KeepAlive = "keep-alive"
	Close     = "close"
)

// throughputLevel is how long each level runs, and throughputTimeout the
// load generator's timeout in it: a request a starved connection sent at
// the start of a level times out within it (with a level no longer than
// the timeout nothing could ever time out, and a check of no loss could
// not fail). In 0.8 s every model answers thousands of requests, the
// iterative server included.
const (
	throughputLevel   = 800 * time.Millisecond
	throughputTimeout = 400 * time.Millisecond
)

// guaranteedConns is the most connections a task-per-connection model is
// held to serving without loss: its accepting task is one of at most that
// many busy tasks on one CPU, and forks or spawns them all well within the
// timeout. Above it, how soon the accepting task gets the CPU is the
// scheduler's choice: measured and shown, not predicted.
const guaranteedConns = 16

func throughput() Experiment {
	const d = throughputLevel
	e := Experiment{
		Name:           "throughput",
		FreshNamespace: true,
		Title:          "Throughput: requests per second and their cost, against concurrency, per model",
		Predicts: "with the specimen on one core and the load generator on the other, at 1, 4, 16, 64 and 256 connections, keep-alive on and off: " +
			"with keep-alive the event loops (select, epoll, io_uring, goroutines) answer every request at every level, and forking and threads every request up to 16 connections; " +
			"beyond that, how fast their accepting task reaches new connections among the busy ones is the scheduler's, measured and shown; " +
			"the iterative server (one connection at a time) and prefork with 4 workers starve the connections they do not hold, which time out; without keep-alive, a fork per connection costs the forking server " +
			"at least twice epoll's CPU per request at 64 connections, and a connection per request halves epoll's throughput at least",
		Mechanism: "A kept-alive connection costs a server one read and one write per request; a new one adds a handshake, an accept, a close and, " +
			"for a forking or threaded server, a fork or a thread. A server that blocks on one connection at a time (iterative, each prefork worker) " +
			"never reads the others while a kept-alive client holds it. A forking server's parent gets a CPU share like each of its children: with 256 of them busy " +
			"on one CPU it accepts a few dozen connections a second, and the rest wait; a threaded server's accepting thread likewise. With the load generator saturating its own core, req/s compare the clients as much as the servers; " +
			"the CPU time each specimen spends per request, read from its cgroup, is the honest cost.",
		Trials: 1,
		Views:  []View{Throughput{Modes: []string{KeepAlive, Close}}},
	}
	for _, m := range throughputModels {
		for _, mode := range []string{KeepAlive, Close} {
			name := m.name + "/" + mode
			var steps []Step
			for _, c := range Concurrency {
				s := levelStep(c)
				s.Load = &LoadStep{Connections: c, Duration: d, Timeout: throughputTimeout, KeepAlive: mode == KeepAlive}
				steps = append(steps, s)
			}
			e.Arms = append(e.Arms, Arm{Name: name, Preset: m.preset, Wire: catalogue.WireHTTP, Pin: true,
				Args: override(m.preset, loadFlags...), Steps: steps})
		}
	}
	for _, m := range []string{"forking", "threads", "select", "epoll", "uring", "goroutines"} {
		for _, c := range Concurrency {
			if (m == "forking" || m == "threads") && c > guaranteedConns {
				continue // the scheduler's: see guaranteedConns
			}
			e.Checks = append(e.Checks, check(m+"/"+KeepAlive, LoadErrors(levelStep(c)), EQ, 0, "every request is answered"))
		}
	}
	// forking at 256 was first predicted to lose no request, then (after
	// 82 to 154 timeouts in 4 runs on 2026-11-26) to lose some: the parent
	// that accepts is one task among its busy children on one CPU, and had
	// forked only about 100 of them 3 s into the level. A fresh clone's
	// first run then lost none. threads at 256, the same mechanism: 0, 9
	// and 69 timeouts in three runs. Neither outcome holds from run to run:
	// the losses of both, at 64 and 256, are measured and shown.
	for _, m := range []struct {
		name    string
		serving int // connections it holds at once
	}{{"iterative", 1}, {"prefork", 4}} {
		c := 64
		e.Checks = append(e.Checks, check(m.name+"/"+KeepAlive, LoadErrors(levelStep(c)), GE, float64(c-m.serving), fmt.Sprintf("the %d connections it does not hold time out, each at least once", c-m.serving)))
	}
	e.Checks = append(e.Checks,
		ratio("forking/"+Close, CPUPerRequestUS(levelStep(64)), "epoll/"+Close, GE, 2,
			"a fork, an exit and a reap per connection cost more than epoll's accept and close"),
		ratio("epoll/"+KeepAlive, RPS(levelStep(64)), "epoll/"+Close, GE, 2,
			"a handshake, an accept and a close per request cost more than the request itself"),
	)
	return e
}

// latencyUnderLoad first predicted no error of any kind at 50 %. Not
// reproduced on 2026-11-26 in 1 run of 3: one lost request. With connects
// told apart from responses (load.Connect), four runs lost 0 to 11
// connections per arm and step, at every level, capacity included, and
// every one was a connect that timed out (its SYN and the retry a second
// later unanswered), while the namespace counted no listen overflow or drop
// and no request sent went unanswered: about one connection in 10 000 at 3
// to 14 000 new connections a second on loopback is lost before any server
// sees it. The prediction is now about what the server can lose.
// Its second check, p99 at 90 % no shorter than at 50 %, held in the runs
// of 2026-11 and failed on 2026-12-02 (threads 0.16: one pause of 29 ms at
// 50 %; an earlier run saw 0.73): a tail of a few thousand requests is one
// pause away from anything, so it is measured and shown.
func latencyUnderLoad() Experiment {
	const conns = 16
	capacity := "capacity"
	half := Step{Kind: StepLoad, Label: "50%", Load: &LoadStep{Connections: conns, Duration: 1200 * time.Millisecond, Timeout: throughputTimeout, RateOf: capacity, Fraction: 0.5}}
	steps := []Step{
		{Kind: StepLoad, Label: capacity, Load: &LoadStep{Connections: conns, Duration: throughputLevel, Timeout: throughputTimeout}},
		half,
		{Kind: StepLoad, Label: "90%", Load: &LoadStep{Connections: conns, Duration: 1200 * time.Millisecond, Timeout: throughputTimeout, RateOf: capacity, Fraction: 0.9}},
	}
	e := Experiment{
		Name:           "latency-under-load",
		FreshNamespace: true,
		Title:          "Latency under load: percentiles at 50 % and 90 % of each model's capacity",
		Predicts: "each model's capacity is measured first (16 connections, one per request, closed model); then requests come at constant intervals at 50 % " +
			"and at 90 % of it (the open model, latency timed from each request's intended send time, as wrk2 does): at 50 % no request that reached the server is lost " +
			"and its listen queue drops nothing; the tails at 50 % and 90 % are measured and shown, not predicted: one run's p99 moves with every pause " +
			"(threads: 29 ms at 50 % and 4.8 ms at 90 % in one run of 2026-12-02, where the others grew 1.3 to 60 times)",
		Mechanism: "A closed-model client waits for each answer before asking again, so a stalled server also slows the asking, and the stall hides (coordinated omission). " +
			"In the open model requests keep coming on schedule: a request that waits behind others is timed from when it was due. " +
			"Near capacity, the server's idle gaps vanish and each burst queues, so the tail grows first; a model whose per-request cost varies (a fork, a thread) grows it sooner. " +
			"The kernel, not the server, completes handshakes: with 16 clients a listen queue of 1024 cannot fill, so a connect that times out never reached the server. " +
			"Such connects are counted apart (connect) and shown, with the namespace's ListenDrops beside them.",
		Trials: 1,
		Views:  []View{Latency{}},
	}
	for _, m := range loadModels {
		if m.name == "iterative" {
			continue // one connection at a time: its capacity is the closed model's alone
		}
		e.Arms = append(e.Arms, Arm{Name: m.name, Preset: m.preset, Wire: catalogue.WireHTTP, Pin: true, Args: override(m.preset, loadFlags...), Steps: steps})
		e.Checks = append(e.Checks, noLoss(m.name, half, " at half of capacity")...)
	}
	return e
}
