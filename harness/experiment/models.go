package experiment

import (
	"fmt"
	"strconv"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

// Models returns the lab's own experiments, where the article ends: what
// the other concurrency models do with slow clients, ten thousand idle
// ones, a blocking call and a shared listening socket.
func Models() []Experiment {
	return []Experiment{slowClients(), idleConnections(), blockingLoop(), preforkBalance()}
}

// modelArm runs a preset on the http wire, its flags overridden by flags.
func modelArm(name, preset string, flags ...string) Arm {
	return Arm{Name: name, Preset: preset, Wire: catalogue.WireHTTP, Args: override(preset, flags...)}
}

// stalled is the request a slow client sends and never finishes: no blank
// line ends its headers.
const stalled = "GET /hello HTTP/1.1\r\nHost: serverlab\r\nUser-Agent: slowloris\r\n"

func slowClients() Experiment {
	const (
		stallers = 50
		probes   = 15 // 100 ms apart from 0.2 s: the last asks at 1.6 s, before the stall ends
		hold     = 2 * time.Second
		quick    = 50 * time.Millisecond
	)
	during := probe("during the stall")
	asking := Step{Kind: StepClient, Label: "probes", Client: &ClientStep{
		Clients: 1, Conns: probes, Every: 100 * time.Millisecond, Timeout: 8 * time.Second}}
	steps := []Step{
		background(Step{Kind: StepClient, Label: "stalled", Client: &ClientStep{
			Clients: stallers, Conns: 1, Raw: stalled, Hold: hold, Timeout: hold + 2*time.Second}}),
		wait(200 * time.Millisecond),
		background(asking),
		wait(1300 * time.Millisecond),
		during,
		await(),
	}
	// The same flags for every model: a backlog that takes all the
	// stalled clients, an idle timeout longer than their stall.
	flags := []string{"--backlog", "128", "--idle-timeout", "10s"}
	arm := func(name, preset string, extra ...string) Arm {
		a := modelArm(name, preset, append(append([]string(nil), flags...), extra...)...)
		a.Steps = steps
		return a
	}
	probeCheck := func(armName string, op Op, v float64, why string) Check {
		return check(armName, RepliedWithin(quick).Among(asking), op, v, why)
	}
	e := Experiment{
		Name:  "slow-clients",
		Title: "Slow clients: who still answers while 50 connections send half a request and stall",
		Predicts: fmt.Sprintf("while %d clients each send half a request and stall for %v, a probe asks for /hello every 100 ms: "+
			"the iterative server answers no probe within %v until the stalled clients give up; forking and threads answer every probe within %v, "+
			"holding one process or thread per stalled client; prefork with 4 workers is stuck like the iterative server once its 4 workers hold one each; "+
			"select, epoll and goroutines answer every probe within %v with one process", stallers, hold, quick, quick, quick),
		Mechanism: "A server that reads a request with a blocking recv() gives that connection its whole attention until the request is complete. " +
			"An iterative server or a prefork worker stuck on a client that never finishes serves nobody else; a process or thread per connection hides the wait at the price of a task each; " +
			"an event loop asks the kernel which connections have something to read and never waits on one.",
		Trials: 1,
		Arms: []Arm{
			arm("iterative", "webserver3a"), arm("forking", "webserver3g"), arm("threads", "threads"),
			arm("prefork", "prefork", "--workers", "4", "--accept", "blocking"),
			arm("select", "select"), arm("epoll", "epoll"), arm("goroutines", "goroutines"),
		},
		Views: []View{
			TrialTable{By: "model", Columns: []Column{
				Col("probes answered within "+quick.String(), RepliedWithin(quick).Among(asking)),
				Col("answered at all", Outcomes(client.Replied).Among(asking)),
				StepCol("slowest probe", []Step{asking}, func(t Trial) Cell {
					if ds := DoneTimes(OfStep(t, asking.Label)); len(ds) > 0 {
						return Text(ds[len(ds)-1].Round(time.Millisecond).String())
					}
					return Text("?")
				}),
				Col("processes during the stall", Processes(during)),
				Col("threads during the stall", Threads(during)),
			}},
			ConnectionTimes{Title: "How long each probe took, per model", Of: asking,
				Desc: "Each probe's time from its start to its end, per model, on a log scale: a model stuck on the stalled clients answers only when they give up."},
			TrialBars{Title: "Probes answered, per model", X: "model", Y: "probes",
				Desc: "Per model, the probes answered within " + quick.String() + " and those answered at all.",
				Bars: []Bar{BarOf("answered within "+quick.String(), RepliedWithin(quick).Among(asking)), BarOf("answered at all", Outcomes(client.Replied).Among(asking))}},
			TrialBars{Title: "Processes and threads holding the stalled clients, per model", X: "model", Y: "tasks",
				Desc: "Per model, the server's processes and threads at the probe taken during the stall.",
				Bars: []Bar{BarOf("processes", Processes(during)), BarOf("threads", Threads(during))}},
			SocketTimeline{Desc: "Per model, from /proc/net/tcp in the specimen's namespace: the listener's accept queue and the server's ends of the connections by TCP state, " +
				"while 50 clients stall: a server that does not accept leaves them in its accept queue, one that does holds them ESTABLISHED."},
		},
		SampleEvery:   250 * time.Millisecond,
		SampleSockets: true,
	}
	for _, a := range []string{"iterative", "prefork"} {
		e.Checks = append(e.Checks, probeCheck(a, EQ, 0, "no probe is answered while the stalled clients hold the server"),
			check(a, Outcomes(client.Replied).Among(asking), EQ, probes, "every probe is answered once the stalled clients give up"))
	}
	e.Checks = append(e.Checks,
		probeCheck("forking", EQ, probes, "every probe is answered at once"),
		check("forking", Processes(during), GE, stallers+1, "a process per stalled client, and the server"),
		probeCheck("threads", EQ, probes, "every probe is answered at once"),
		check("threads", Threads(during), GE, stallers+1, "a thread per stalled client, and the main one"),
	)
	for _, a := range []string{"select", "epoll", "goroutines"} {
		e.Checks = append(e.Checks,
			probeCheck(a, EQ, probes, "every probe is answered at once"),
			check(a, Processes(during), EQ, 1, "one process holds every connection"),
		)
	}
	return e
}

func idleConnections() Experiment {
	const n = 10000
	limits := catalogue.Limits{NoFile: 16384, NProc: 16384, Pids: 1024, CPUs: catalogue.DefaultCPUs, Memory: 256 << 20}
	holding := probe("holding")
	idle := Step{Kind: StepClient, Label: "10000 idle clients", Client: &ClientStep{
		Clients: n, Conns: 1, Ramp: 1500 * time.Millisecond, Hold: 3 * time.Second, Timeout: 5 * time.Second, Summary: true}}
	asking := Step{Kind: StepClient, Label: "probe", Client: &ClientStep{Clients: 1, Conns: 1, Timeout: 2 * time.Second}}
	steps := []Step{
		background(idle),
		wait(2200 * time.Millisecond), // every client has connected (by 1.5 s), none has let go (from 3 s)
		holding,
		asking,
		await(),
	}
	arm := func(name, preset string, uid int, extra ...string) Arm {
		a := modelArm(name, preset, append([]string{"--backlog", "1024", "--idle-timeout", "60s"}, extra...)...)
		l := limits
		l.UID = uid
		a.Limits, a.Steps = &l, steps
		return a
	}
	uid := func(preset string) int { return limitsOf(preset).UID }
	// Only the idle clients count as held: the probe's connection is not.
	held := func(a string, op Op, v float64, why string) Check {
		return check(a, KeptOpen().Among(idle), op, v, why)
	}
	probeAnswered := func(a string) Check {
		return check(a, Outcomes(client.Replied).Among(asking), EQ, 1, "a new client is still answered")
	}
	var bounds []Check
	for _, a := range []string{"epoll", "uring", "goroutines", "forking", "threads", "select"} {
		bounds = append(bounds, hostBounds(a, limits, n+1)...)
	}
	return Experiment{
		Name:           "idle-connections",
		FreshNamespace: true,
		Title:          "C10K: ten thousand idle keep-alive connections",
		Predicts: "with nofile 16384, pids 1024 and 256 MiB, 10 000 clients each get a reply and keep the connection open: " +
			"epoll, io_uring and goroutines hold all 10 000 in one process and still answer a new client; " +
			"forking stops near the pids limit (fork fails with EAGAIN and the server dies), threads too (pthread_create fails with EAGAIN, logged, and the server goes on); " +
			"select refuses every connection past descriptor 1023 (FD_SETSIZE), logged. Memory per connection is reported for every model",
		Mechanism: "An idle connection costs an event loop a socket and a few buffers; it costs a forking server a process and a threaded one a thread with its stack, and the pids cgroup counts both. " +
			"select() takes a bitmap of FD_SETSIZE (1024) bits, so no descriptor from 1024 on can be watched at all; epoll keeps its interest list in the kernel, without such a ceiling.",
		SampleEvery:   time.Second,
		SampleSockets: true,
		Trials:        1,
		Arms: []Arm{
			arm("epoll", "epoll", uid("epoll")),
			arm("uring", "uring", uid("uring")),
			arm("goroutines", "goroutines", uid("goroutines")),
			arm("forking", "webserver3g", uid("webserver3g")),
			arm("threads", "threads", uid("threads")),
			arm("select", "select", uid("select")),
		},
		Checks: append([]Check{
			held("epoll", EQ, n, "every connection is held"),
			check("epoll", SocketsPeak(SeriesState("ESTABLISHED")), GE, n, "the socket sampler counts every one ESTABLISHED at once"),
			check("epoll", Processes(holding), EQ, 1, "in one process"),
			probeAnswered("epoll"),
			held("uring", EQ, n, "every connection is held"),
			check("uring", Processes(holding), EQ, 1, "in one process"),
			probeAnswered("uring"),
			held("goroutines", EQ, n, "every connection is held"),
			check("goroutines", Processes(holding), EQ, 1, "in one process"),
			probeAnswered("goroutines"),
			check("forking", LastLogContains(catalogue.Failed("fork", catalogue.EAGAIN)), EQ, 1, "fork fails, and the server dies of it"),
			check("forking", ProcessLimitMargin(Pids), GE, -1, "at the pids limit: forks = pids - 1, within 1"),
			check("forking", ProcessLimitMargin(Pids), LE, 0, "at the pids limit: forks = pids - 1, within 1"),
			check("threads", LogContains(catalogue.Failed("pthread_create", catalogue.EAGAIN)), EQ, 1, "pthread_create fails at the pids limit, logged"),
			check("threads", Running(), EQ, 1, "and the server goes on"),
			held("threads", GE, 1000, "holding the connections it has threads for"),
			held("threads", LT, float64(limits.Pids), "and no more than the pids limit allows threads"),
			check("select", LogContains("FD_SETSIZE"), EQ, 1, "descriptors from 1024 on are refused, logged"),
			held("select", GE, 1000, "holding the connections below FD_SETSIZE"),
			held("select", LT, 1024, "and none past it"),
		}, bounds...),
		Views: []View{
			TrialTable{By: "model", Columns: []Column{
				Col("connections kept open", KeptOpen().Among(idle)),
				Col("processes", Processes(holding)),
				Col("threads", Threads(holding)),
				ColIn("resident memory per connection", RSSPerConn(idle), "KiB"),
				ColIn("cgroup memory per connection", MemoryPerConn(idle), "KiB"),
				EndCol(),
				LastLineCol(),
			}, Note: "Per connection: the growth from the first sample to the peak, over the connections kept open. " +
				"The cgroup's charge includes the kernel's socket buffers; resident memory counts the specimen's own pages only."},
			TrialBars{Title: "Idle connections kept open, per model", X: "model", Y: "connections",
				Desc: "Per model, the idle clients that got their reply and whose connection the server had not closed when they let go.",
				Bars: []Bar{BarOf("kept open", KeptOpen().Among(idle))}},
			TrialBars{Title: "Processes and threads while holding them, per model", X: "model", Y: "tasks",
				Desc: "Per model, the server's processes and threads at the probe taken while the idle clients held their connections.",
				Bars: []Bar{BarOf("processes", Processes(holding)), BarOf("threads", Threads(holding))}},
			TrialBars{Title: "Memory per connection kept open, per model", X: "model", Y: "KiB per connection",
				Desc: "Per model, the growth of resident memory and of the cgroup's charge (socket buffers included) from the first sample to the peak, over the connections kept open.",
				Bars: []Bar{BarOf("resident memory", RSSPerConn(idle)), BarOf("cgroup memory", MemoryPerConn(idle))}},
			SocketTimeline{Desc: "Per model, from /proc/net/tcp in the specimen's namespace: the server's ends of the connections by TCP state as the 10 000 idle clients connect, wait and let go, and the listener's accept queue."},
		},
	}
}

func blockingLoop() Experiment {
	const d = time.Second
	step := clients("5 clients at once", 5, 0, 10*time.Second)
	arm := func(name string, extra ...string) Arm {
		a := Arm{Name: name, Preset: "epoll", Wire: catalogue.WireSeed,
			Args: append([]string{"--backlog", "128", "--delay", strconv.FormatInt(d.Milliseconds(), 10) + "ms"}, extra...), Steps: []Step{step}}
		return a
	}
	return Experiment{
		Name:  "blocking-loop",
		Title: "An event loop that blocks makes every client wait, like webserver3b",
		Predicts: "with a delay D = 1 s after each reply, 5 clients at once against epoll end all at about D when the delay is a timer in the loop (between 0.9*D and 1.5*D), " +
			"and in a staircase k*D (each within D/4) when it is a blocking sleep inside the loop (--block)",
		Mechanism: "An event loop is one thread: while it sleeps in a blocking call, no other connection is read, answered or closed, exactly as in an iterative server. " +
			"The same delay as a timer lets the loop go on: each connection waits on its own deadline, and the loop closes them as they fall due.",
		Trials: 1,
		Arms:   []Arm{arm("timer"), arm("block", "--block")},
		Checks: append(atOnce("timer", 5, d, "its delay"), inTurn("block", 5, d)...),
		Views:  []View{ConnectionPhases{}},
	}
}

// AcceptModes are prefork's ways of sharing the listening socket.
var AcceptModes = []string{"blocking", "epoll", "reuseport"}

func preforkBalance() Experiment {
	const n = 400
	e := Experiment{
		Name:  "prefork-balance",
		Title: "How a prefork server's workers share the accepts",
		Predicts: "4 workers, 400 short connections spread over 2 s (light load): blocking accept() on the shared socket spreads them across all workers (the busiest has at most 40 %); " +
			"epoll with EPOLLEXCLUSIVE on the shared socket concentrates them (the busiest has more than half); one socket per worker with SO_REUSEPORT spreads them by hash (the busiest at most 40 %)",
		Mechanism: "Workers blocked in accept() wait in the socket's queue in turn, and the kernel wakes the one that has waited longest, so under light load they take turns. " +
			"With EPOLLEXCLUSIVE each worker's epoll stays on the socket's wait queue, and the kernel wakes the first one that is idle, which under light load is the same one every time. " +
			"With SO_REUSEPORT each worker has its own socket, and the kernel picks one by a hash of the connection's addresses and ports.",
		Trials: 1,
		Views:  []View{WorkerShares{}},
	}
	for _, mode := range AcceptModes {
		e.Arms = append(e.Arms, Arm{Name: mode, Preset: "prefork", Wire: catalogue.WireHTTP,
			Args:  []string{"--backlog", "128", "--workers", "4", "--accept", mode},
			Steps: []Step{clients("400 clients over 2 s", n, 2*time.Second, 5*time.Second)}})
		e.Checks = append(e.Checks, check(mode, Outcomes(client.Replied), EQ, n, "every client is served"))
	}
	e.Checks = append(e.Checks,
		check("blocking", BusiestWorkerShare(), LE, 0.4, "the waiting workers take turns"),
		check("blocking", WorkersAccepting(), EQ, 4, "every worker accepts"),
		check("epoll", BusiestWorkerShare(), GT, 0.5, "the first idle worker on the wait queue takes most"),
		check("reuseport", BusiestWorkerShare(), LE, 0.4, "the hash spreads them"),
		check("reuseport", WorkersAccepting(), EQ, 4, "every worker's socket gets some"),
	)
	return e
}
