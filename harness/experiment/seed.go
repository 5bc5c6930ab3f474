package experiment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
)

// Seed returns the experiments of "Let's Build A Web Server" parts 1 and 3,
// in the article's order. Each states its thresholds here, and the report
// shows them.
func Seed() []Experiment {
	return []Experiment{
		hello(), headOfLine(), backlog(), clientHang(), fdExhaustion(),
		zombieCount(), processLimit(), eintr(), sigchldCoalescing(),
	}
}

// clients is a client step.
func clients(label string, n int, ramp, timeout time.Duration) Step {
	return Step{Kind: StepClient, Label: label, Client: &ClientStep{Clients: n, Conns: 1, Ramp: ramp, Timeout: timeout}}
}

func wait(d time.Duration) Step { return Step{Kind: StepWait, Label: "wait " + d.String(), Wait: d} }

func probe(label string) Step { return Step{Kind: StepProbe, Label: label} }

// background runs s while the next steps go on.
func background(s Step) Step {
	s.Background = true
	return s
}

func await() Step { return Step{Kind: StepAwait, Label: "await"} }

// args returns a preset's flags with --delay replaced by d (0 drops it).
func args(preset string, delay time.Duration) []string {
	p, err := catalogue.LookupPreset(preset)
	if err != nil {
		panic(err) // experiments name catalogue presets; a test runs every one
	}
	var out []string
	for i := 0; i < len(p.Args); i++ {
		if p.Args[i] == "--delay" {
			i++
			continue
		}
		out = append(out, p.Args[i])
	}
	if delay > 0 {
		// Milliseconds: the specimens take "1500ms", not Go's "1.5s".
		out = append(out, "--delay", fmt.Sprintf("%dms", delay.Milliseconds()))
	}
	return out
}

// override returns a preset's flags with flags laid over them: a flag the
// preset has takes the new value, any other is added. A flag is "--name"
// followed by its value, unless the next word is a flag too ("--block").
func override(preset string, flags ...string) []string {
	p, err := catalogue.LookupPreset(preset)
	if err != nil {
		panic(err)
	}
	out := append([]string(nil), p.Args...)
	for i := 0; i < len(flags); i++ {
		name, value, pair := flags[i], "", i+1 < len(flags) && !strings.HasPrefix(flags[i+1], "--")
		if pair {
			value = flags[i+1]
			i++
		}
		at := slices.Index(out, name)
		switch {
		case at < 0 && pair:
			out = append(out, name, value)
		case at < 0:
			out = append(out, name)
		case pair && at+1 < len(out):
			out[at+1] = value
		}
	}
	return out
}

func limitsOf(preset string) catalogue.Limits {
	p, err := catalogue.LookupPreset(preset)
	if err != nil {
		panic(err)
	}
	return p.Limits
}

// Labels of the hello experiment's steps, which Conformance reads.
const (
	StepHello1     = "hello-1"
	StepHello2     = "hello-2"
	StepNotFound   = "not-found"
	StepBadRequest = "bad-request"
	StepGarbage    = "garbage"
)

// garbage is what the seed wire must answer like any request: a TLS
// ClientHello's first bytes, a NUL and no HTTP at all.
const garbage = "\x16\x03\x01\x00\xa5\x01\x00 not http at all\r\n\r\n"

func hello() Experiment {
	e := Experiment{
		Name:  "hello",
		Title: "Every specimen answers on both wires: the article's bare reply, and HTTP/1.1",
		Seed: &Quote{Part: 1, Source: "webserver1.py", Code: true, Claim: "part1-reply",
			Words: `request = client_connection.recv(1024) […] HTTP/1.1 200 OK` + "\\n\\n" + `Hello, World!` + "\\n" + ` […] client_connection.sendall(http_response`},
		Predicts: "on the seed wire every request, garbage included, gets exactly the article's bytes and nothing else; " +
			"on the http wire GET /hello gets 200 with Content-Type, a Content-Length that matches the body, Server and a current Date that changes, another path 404, a line that is not HTTP 400",
		Mechanism: "The article's server reads once and answers whatever came, with a status line, a blank line and a body: no header says how long the body is, so a client reads until the server closes. " +
			"The http wire is the same server made conformant: it parses the request, answers by status and says the body's length, so a client need not wait for the close.",
		Trials: 1,
		// What each specimen answers is the lesson, not when: four at once.
		Parallel: 4,
	}
	step := func(label, path, raw string) Step {
		return Step{Kind: StepClient, Label: label, Client: &ClientStep{
			Clients: 1, Conns: 1, Timeout: time.Second, Path: path, Raw: raw, Revive: true}}
	}
	for _, p := range HelloPresets() {
		for _, wire := range []string{catalogue.WireSeed, catalogue.WireHTTP} {
			name := p.Name + "/" + wire
			steps := []Step{
				step(StepHello1, "/hello", ""),
				wait(1100 * time.Millisecond), // Date has one-second resolution: it must change
				step(StepHello2, "/hello", ""),
				step(StepNotFound, "/nope", ""),
				step(StepBadRequest, "", "HELLO THERE\r\n\r\n"),
			}
			why := "status, Content-Type, Content-Length, Server, Date (an IMF-fixdate that changes) and body as TechEmpower's verifier checks them"
			if wire == catalogue.WireSeed {
				steps = append(steps[:1:1], step(StepNotFound, "/nope", ""), step(StepBadRequest, "", "HELLO THERE\r\n\r\n"), step(StepGarbage, "", garbage))
				why = "every reply is the article's bytes exactly, whatever was asked"
			}
			e.Arms = append(e.Arms, Arm{
				Name: name, Preset: p.Name, Wire: wire,
				// No delay: the reply is what is checked, not the model.
				Args:  args(p.Name, 0),
				Steps: steps,
			})
			e.Checks = append(e.Checks, check(name, ConformanceFailures(), EQ, 0, why))
		}
	}
	return e
}

// HelloPresets are the presets whose specimens answer "Hello, World!":
// all but the WSGI servers, whose applications answer with the article's
// part 2 bodies, and which wsgi-apps checks.
func HelloPresets() []catalogue.Preset {
	var out []catalogue.Preset
	for _, p := range catalogue.Presets() {
		if s, err := catalogue.LookupSpecimen(p.Specimen); err == nil && s.Language != "python" {
			out = append(out, p)
		}
	}
	return out
}

func headOfLine() Experiment {
	const d = time.Second
	step := clients("5 clients at once", 5, 0, 10*time.Second)
	return Experiment{
		Name:  "head-of-line",
		Title: "An iterative server makes every client wait for the one before",
		Seed: &Quote{Part: 3, Source: "webserver3b.py and webserver3c.py", Claim: "part3-iterative",
			Words: "If you’ve done that within 60 seconds then the second curl should not produce any output right away and should just hang there. " +
				"[…] (3c) even though the server child process sleeps for 60 seconds after serving a client request, it doesn’t affect other clients because they are served by different and completely independent processes"},
		Predicts: "with a delay D = 1 s per request, 5 clients at once end in a staircase k*D against webserver3b (each within D/4 of k*D), and all between 0.9*D and 1.5*D against webserver3c",
		Mechanism: "An iterative server runs accept, serve, close in one process: while it sleeps after a reply, the next client waits in the listen queue, connected but unanswered. " +
			"Its reply comes at (k-1)*D and its EOF at k*D. A forking server hands each connection to a child at once, so every client's sleep runs at the same time.",
		Trials: 1,
		Arms: []Arm{
			{Name: "3b", Preset: "webserver3b", Args: args("webserver3b", d), Steps: []Step{step}},
			{Name: "3c", Preset: "webserver3c", Args: args("webserver3c", d), Steps: []Step{step}},
		},
		Checks: append(inTurn("3b", 5, d), atOnce("3c", 5, d, "its own delay")...),
		Views:  []View{ConnectionPhases{}},
	}
}

// BacklogSizes are the listen() backlogs the backlog experiment tries.
var BacklogSizes = []int{0, 1, 5, 128}

func backlog() Experiment {
	e := Experiment{
		Name:  "backlog",
		Title: "The listen backlog holds the connections a busy server has not accepted",
		Seed: &Quote{Part: 3, Source: "the BACKLOG argument of listen", Claim: "part3-backlog",
			Words: "The BACKLOG argument determines the size of a queue within the kernel for incoming connection requests. " +
				"When the server webserver3b.py was sleeping, the second curl command that you ran was able to connect to the server because the kernel had enough space available in the incoming connection request queue for the server socket."},
		Predicts: "while an iterative server is busy, Linux completes backlog+1 handshakes in its accept queue, plus the one being served: backlog+2 connect within 500 ms; " +
			"every other SYN is dropped and retried (1 s, 3 s, ...), so those clients do not connect within their 2 s timeout",
		Mechanism: "The kernel completes TCP handshakes on its own and queues them until accept() takes one; listen()'s backlog caps that queue. " +
			"Linux admits a new connection while the queue holds no more than backlog entries, hence backlog+1, and drops the SYN when it is full, leaving the client to retransmit. " +
			"net.core.somaxconn caps every backlog.",
		Trials:        1,
		SampleEvery:   100 * time.Millisecond,
		SampleSockets: true,
	}
	const within = 500 * time.Millisecond
	for _, b := range BacklogSizes {
		name := "backlog-" + strconv.Itoa(b)
		n := b + 8
		e.Arms = append(e.Arms, Arm{
			Name: name, Preset: "webserver3a",
			// The first client keeps the server busy for 10 s, longer than
			// the whole step: every later one waits in the queue or outside.
			Args: []string{"--backlog", strconv.Itoa(b), "--delay", "10s"},
			Steps: []Step{
				clients(strconv.Itoa(n)+" clients, 5 ms apart", n, time.Duration(n)*5*time.Millisecond, 2*time.Second),
			},
		})
		e.Checks = append(e.Checks,
			check(name, ConnectedWithin(within), EQ, float64(b+2), "one connection being served plus backlog+1 completed in the accept queue"),
			check(name, Unconnected(), EQ, float64(n-b-2), "every other SYN is dropped, and retried in vain until the 2 s timeout (its retries leave at 1 s and 3 s)"),
			check(name, SocketsPeak(SeriesAcceptQueue), EQ, float64(b+1), "the socket sampler sees backlog+1 connections in the listener's accept queue"),
		)
	}
	// The counts the checks judge, beside the values they predict.
	e.Views = []View{
		TrialTable{Title: "Connected at once, per backlog", Columns: []Column{
			ArgCol("backlog", "--backlog"),
			Col("connections", Connections()),
			Col("connected within "+within.String(), ConnectedWithin(within)),
			Predicted("predicted (backlog + 2)", ConnectedWithin(within)),
			Col("never connected", Unconnected()),
			Predicted("predicted", Unconnected()),
			{Header: "net.core.somaxconn", Cell: func(t Trial) Cell {
				if t.Start == nil {
					return Text("?")
				}
				return Text(strconv.Itoa(t.Start.Somaxconn))
			}},
		}},
		TrialBars{Title: "Connected at once (within " + within.String() + "), per backlog", X: "listen backlog", Y: "connections",
			Desc: "For each backlog, the connections whose handshake completed within " + within.String() + ", beside the check's prediction of backlog + 2.",
			Bars: []Bar{BarOf("measured", ConnectedWithin(within)), PredictedBar("predicted (backlog + 2)", ConnectedWithin(within))}},
		TrialBars{Title: "Never connected, per backlog", X: "listen backlog", Y: "connections",
			Desc: "For each backlog, the connections whose handshake never completed before the client's timeout, beside the check's prediction.",
			Bars: []Bar{BarOf("measured", Unconnected()), PredictedBar("predicted", Unconnected())}},
		SocketTimeline{Title: "The accept queue and the server's connections over time, per backlog",
			Desc: "Per backlog, from /proc/net/tcp in the specimen's namespace: the listener's accept queue (connections completed, not yet accepted) against backlog+1, " +
				"and the server's ends of the connections by TCP state.",
			Level: func(t Trial) (Level, bool) {
				b, err := strconv.Atoi(strings.TrimPrefix(t.Arm, "backlog-"))
				return Level{Name: "backlog+1", Y: float64(b + 1)}, err == nil
			}},
	}
	return e
}

func clientHang() Experiment {
	during := probe("during the hang")
	during.Sockets = true
	// After the client's timeout it closes its end: the sampler, every
	// 250 ms, sees what the server's end became in the 300 ms after.
	steps := []Step{background(clients("1 client", 1, 0, 3*time.Second)), wait(time.Second), during, await(), wait(300 * time.Millisecond)}
	return Experiment{
		Name:  "client-hang",
		Title: "A parent that keeps the client socket leaves the client hanging",
		Seed: &Quote{Part: 3, Source: "webserver3d.py", Claim: "part3-hang",
			Words: "Okay, the curl printed the response from the concurrent server but it did not terminate and kept hanging. […] " +
				"the termination packet (called FIN in TCP/IP parlance) was not sent to the client and the client stayed on the line, so to speak."},
		Predicts: "webserver3d's client gets the reply but no EOF until its 3 s timeout: 1 s in, its child has exited and the parent still holds the server's end of the connection (the same socket inode); " +
			"webserver3c's client gets EOF at once, and its parent holds no descriptor of it; once 3d's client gives up and closes, the socket sampler sees 3d's end in CLOSE_WAIT, and never 3c's",
		Mechanism: "fork() copies the descriptor table, so parent and child each hold a reference to the same socket. " +
			"close() drops one reference; only the last one makes the kernel send FIN, the EOF the client reads until. " +
			"A parent that never closes its copy keeps the connection open after the child is long gone.",
		Trials: 1,
		Arms: []Arm{
			{Name: "3c", Preset: "webserver3c", Args: args("webserver3c", 0), Steps: steps},
			{Name: "3d", Preset: "webserver3d", Args: args("webserver3d", 0), Steps: steps},
		},
		Checks: []Check{
			check("3c", Outcomes(client.Replied), EQ, 1, "reply, then EOF"),
			check("3c", DoneMax(), LE, 0.5, "EOF at once (well under 0.5 s)"),
			check("3c", LiveChildren(during), EQ, 0, "the child has exited"),
			check("3c", HoldsClientSocket(during), EQ, 0, "the parent closed its copy"),
			check("3d", Outcomes(client.NoEOF), EQ, 1, "reply, but no EOF"),
			check("3d", DoneMax(), GE, 2.9, "the client waits until its 3 s timeout"),
			check("3d", LiveChildren(during), EQ, 0, "the child has exited: it is not who keeps the connection open"),
			check("3d", HoldsClientSocket(during), EQ, 1, "the parent still holds the socket, by inode"),
			check("3d", SocketsPeak(SeriesState("CLOSE_WAIT")), GE, 1, "once the client gives up and closes its end, the server's end, which the parent holds, waits in CLOSE_WAIT"),
			check("3c", SocketsPeak(SeriesState("CLOSE_WAIT")), EQ, 0, "the server closed its end first: none waits in CLOSE_WAIT"),
		},
		Views: []View{ConnectionPhases{}, TrialTable{Title: "What the probe saw 1 s in, while the client waited", Columns: []Column{
			Col("live children", LiveChildren(during)),
			YesNo("server holds the client's socket (by inode)", HoldsClientSocket(during)),
			ProbeCol("server's descriptors", during, func(p agent.Process) string { return strconv.Itoa(p.FDs) }),
		}}, SocketTimeline{Desc: "Per arm, from /proc/net/tcp in the specimen's namespace: the server's end of the connection by TCP state. " +
			"3c's closes with the child's exit; 3d's stays ESTABLISHED while the parent holds it, and turns CLOSE_WAIT once the client has given up and closed its end."}},
		// Every 250 ms: the 300 ms after the client's close hold a sample,
		// and the sampler's reads of /proc/net/tcp stay light under
		// emulation, where 100 ms delayed the background client past the
		// probe (a guest under TCG, 2026-12-08).
		SampleEvery:   250 * time.Millisecond,
		SampleSockets: true,
	}
}

func fdExhaustion() Experiment {
	// 3c under 3d's limits, but its own UID: RLIMIT_NPROC counts per UID.
	lim := limitsOf("webserver3d")
	lim.UID = limitsOf("webserver3c").UID
	steps := []Step{clients("300 clients over 1 s", 300, time.Second, 10*time.Second), wait(500 * time.Millisecond), probe("after")}
	// The same flags for both, but the lesson's: 3d keeps the client fd.
	same := args("webserver3c", 0)
	bounds := append(hostBounds("3d", lim, 300), hostBounds("3c", lim, 300)...)
	return Experiment{
		Name:  "fd-exhaustion",
		Title: "Descriptors the parent never closes run out: EMFILE",
		Seed: &Quote{Part: 3, Source: "webserver3d.py", Claim: "part3-descriptors",
			Words: "set the maximum number of open file descriptors for your server to be 256: $ ulimit -n 256 […] " +
				"tell it to create 300 simultaneous connections to the server: $ python client3.py --max-clients=300 […] Soon enough your server will explode."},
		Predicts: "with nofile 256 and 300 clients, webserver3d's descriptors climb by one per client and it dies with accept: EMFILE after exactly 256 minus the descriptors it had open at start (±1); " +
			"webserver3c, with the same flags and limits but closing its copy, stays flat and serves all 300",
		Mechanism: "Every accept() takes the lowest free descriptor, and RLIMIT_NOFILE caps how many a process may hold. " +
			"A parent that keeps each client's socket holds one more per connection and never gets it back, so accept() fails with EMFILE once the table is full; " +
			"one that closes its copy holds only the listener between connections.",
		SampleEvery: 100 * time.Millisecond,
		Trials:      1,
		Arms: []Arm{
			{Name: "3d", Preset: "webserver3d", Args: append(same[:len(same):len(same)], "--keep-client-fd"), Steps: steps},
			{Name: "3c", Preset: "webserver3c", Args: same, Limits: &lim, Steps: steps},
		},
		Checks: append(append(diesWith("3d", "accept", catalogue.EMFILE),
			check("3d", EmfileMargin(), GE, -1, "accepts = nofile - descriptors at start, within 1"),
			check("3d", EmfileMargin(), LE, 1, "accepts = nofile - descriptors at start, within 1"),
			check("3d", FDsGrowth(), GE, 100, "the parent's descriptors climb with the clients (sampled every 100 ms)"),
			check("3c", Running(), EQ, 1, "closing its copy, the parent never runs out"),
			check("3c", Outcomes(client.Replied), EQ, 300, "every client is served"),
			check("3c", FDsGrowth(), LE, 2, "the parent's descriptors stay flat"),
		), bounds...),
		Views: []View{
			TrialTable{Columns: []Column{
				{Header: "nofile", Cell: func(t Trial) Cell { return Text(strconv.FormatInt(t.Limits.NoFile, 10)) }},
				Col("descriptors at start", FDsAtStart()),
				Col("accepts", LogLines(catalogue.LogAccept)),
				Col("descriptor growth", FDsGrowth()),
				LastLineCol(),
			}},
			TrialLines{Title: "The server's open descriptors", Sampled: true, Series: SeriesFDs, Y: "open descriptors",
				Desc: "The server's open descriptors over each trial, against the nofile limit: a parent that keeps every client socket climbs to it, one that closes them stays flat.",
				Level: func(t Trial) (Level, bool) {
					return Level{Name: fmt.Sprintf("nofile %d", t.Limits.NoFile), Y: float64(t.Limits.NoFile)}, t.Limits.NoFile > 0
				}},
		},
	}
}

// hostSlack is what else may start or open on the host during a trial: the
// agent's probes, the engine's own work.
const hostSlack = 100

// hostBounds checks that a storm stayed inside the limits pinned on it: the
// host's task count rose by no more than the specimen's pids limit, and its
// open files by no more than the specimen's nofile and the clients'
// connections, each with hostSlack to spare.
func hostBounds(arm string, l catalogue.Limits, connections int) []Check {
	return []Check{
		check(arm, HostTasksPeakGrowth(), LE, float64(l.Pids+hostSlack), fmt.Sprintf("the host's tasks rose by at most the pids limit (%d) and %d", l.Pids, hostSlack)),
		check(arm, HostFilesPeakGrowth(), LE, float64(l.NoFile+int64(connections)+hostSlack), fmt.Sprintf("the host's open files rose by at most nofile (%d), the %d client connections and %d", l.NoFile, connections, hostSlack)),
	}
}

func zombieCount() Experiment {
	const n = 20
	steps := []Step{clients("20 clients over 0.5 s", n, 500*time.Millisecond, 5*time.Second), wait(500 * time.Millisecond), probe("after")}
	return Experiment{
		Name:  "zombies",
		Title: "Children never waited for become zombies",
		Seed: &Quote{Part: 3, Source: "webserver3d.py", Claim: "part3-zombie",
			Words: "That’s our zombie there. The problem with zombies is that you can’t kill them. […] " +
				"A zombie is a process that has terminated, but its parent has not waited for it and has not received its termination status yet."},
		Predicts: "after 20 clients webserver3c has 20 zombie children in /proc, and its log's forks minus reaps is 20 too; " +
			"webserver3g, which reaps with waitpid, has none, and its log reaps every fork",
		Mechanism: "A child that exits stays in the process table, state Z, until its parent collects its exit status with wait(). " +
			"A parent that never waits keeps every child it ever forked as a zombie; each one still counts against the process limits.",
		Trials: 1,
		Arms: []Arm{
			// The article shows its zombie on webserver3d; 3c makes the same
			// zombies and closes its copies, so no EMFILE interferes.
			{Name: "3c", Preset: "webserver3c", StandsIn: "webserver3d", Args: args("webserver3c", 0), Steps: steps},
			{Name: "3g", Preset: "webserver3g", Steps: steps},
		},
		Checks: []Check{
			check("3c", Outcomes(client.Replied), EQ, n, "every client is served"),
			check("3c", Zombies(), EQ, n, "one zombie per client: nobody waits"),
			check("3c", LogZombieGap(), EQ, 0, "forks - reaps in the log = the children /proc shows"),
			check("3g", Outcomes(client.Replied), EQ, n, "every client is served"),
			check("3g", Zombies(), EQ, 0, "every child is reaped"),
			check("3g", LogZombieGap(), EQ, 0, "forks - reaps in the log = the children /proc shows"),
		},
		Views: zombieViews(),
	}
}

func processLimit() Experiment {
	// One arm per limit: the one at 400 must be the one that binds.
	nproc, pids := limitsOf("webserver3c"), limitsOf("webserver3c")
	nproc.NProc, nproc.Pids = 400, 1000
	pids.NProc, pids.Pids = 1000, 400
	steps := []Step{clients("500 clients over 2 s", 500, 2*time.Second, 5*time.Second), wait(time.Second), probe("after")}
	arm := func(name string, l catalogue.Limits) Arm {
		return Arm{Name: name, Preset: "webserver3c", StandsIn: "webserver3d", Args: args("webserver3c", 0), Limits: &l, Steps: steps}
	}
	limitChecks := func(arm string, limit ProcessLimit) []Check {
		l := string(limit)
		return append(diesWith(arm, "fork", catalogue.EAGAIN),
			check(arm, ProcessLimitMargin(limit), GE, -1, "forks = "+l+" - 1 (the server is one), within 1: "+l+" is the limit that binds"),
			check(arm, ProcessLimitMargin(limit), LE, 0, "no fork beyond "+l),
			check(arm, HostTasksPeakGrowth(), LE, 450, "the host's task count never grew past the limit (400) and some noise (50)"),
		)
	}
	return Experiment{
		Name:  "process-limit",
		Title: "Zombies exhaust the process limit: fork fails with EAGAIN",
		Seed: &Quote{Part: 3, Source: "webserver3d.py", Claim: "part3-processes",
			Words: "set the max user processess to 400(make sure to set open files to a high number, let’s say 500 too): $ ulimit -u 400 $ ulimit -n 500 […] " +
				"$ python client3.py --max-clients=500 […] your server will blow up with an OSError: Resource temporarily unavailable exception when it tries to create a new child process"},
		Predicts: "with 500 clients and no reaping, fork fails with EAGAIN and the server dies after exactly limit - 1 forks, whichever limit is 400: " +
			"RLIMIT_NPROC (ulimit -u, per UID) with the pids cgroup at 1000, or the pids cgroup (per container, zombies included) with nproc at 1000; " +
			"and webserver3d at the article's ulimit -u 400 -n 500 (its preset, the pids cgroup at 400 too) dies the same way, never of EMFILE; " +
			"the zombie count climbs to the limit during the storm, and the host's task count never grows past it",
		Mechanism: "A zombie keeps its process-table entry, so it counts against every process limit until it is reaped. " +
			"fork() checks RLIMIT_NPROC against all tasks of the caller's real UID on the whole host, and the pids cgroup checks its own count of the container's tasks; " +
			"either refuses with EAGAIN, and the seed's server dies of it.",
		SampleEvery: 100 * time.Millisecond,
		Trials:      1,
		// The article's own step: webserver3d at ulimit -u 400 -n 500, its
		// preset's limits (the pids cgroup at 400 too, counting the same
		// processes), where the processes run out before the descriptors.
		Arms: []Arm{arm("nproc-400", nproc), arm("pids-400", pids),
			{Name: "3d-u400", Preset: "webserver3d-u400", Steps: steps}},
		Checks: append(append(limitChecks("nproc-400", NProc), limitChecks("pids-400", Pids)...),
			append(diesWith("3d-u400", "fork", catalogue.EAGAIN),
				check("3d-u400", LogContains(catalogue.Failed("accept", catalogue.EMFILE)), EQ, 0,
					"accept never fails with EMFILE: at 500 descriptors the 400 processes run out first"),
				check("3d-u400", ProcessLimitMargin(NProc), GE, -1, "forks = 400 - 1 (the server is one), within 1"),
				check("3d-u400", ProcessLimitMargin(NProc), LE, 0, "no fork beyond 400"))...),
		Views: []View{
			TrialTable{Columns: []Column{
				{Header: "nproc", Cell: func(t Trial) Cell { return Text(strconv.FormatInt(t.Limits.NProc, 10)) }},
				{Header: "pids", Cell: func(t Trial) Cell { return Text(strconv.FormatInt(t.Limits.Pids, 10)) }},
				Col("forks", LogLines(catalogue.LogFork)),
				{Header: "limit that bound", Cell: func(t Trial) Cell {
					if limit, forks, ok := BoundBy(t); ok {
						return Cell{Text: fmt.Sprintf("%s, after %d forks", limit, forks), Strong: true}
					}
					return Text("neither: the forks reached no limit - 1")
				}},
				{Header: "host tasks: start → peak", Cell: func(t Trial) Cell {
					peak, ok := Peak(Timeline(t, SeriesHostTasks))
					if t.Start == nil || !ok {
						return Text("?")
					}
					return Text(fmt.Sprintf("%d → %s", t.Start.HostTasks, Number(peak)))
				}},
				LastLineCol(),
			}},
			TrialLines{Title: "Zombie children during the storm", Sampled: true, Series: SeriesZombies, Y: "zombie children",
				Desc: "The server's zombie children over each trial: they climb until fork fails at the lower of the two process limits.",
				Name: func(r Record, t Trial) string {
					if limit, forks, ok := BoundBy(t); ok {
						return fmt.Sprintf("%s (%s bound, %d forks)", trialName(r, t), limit, forks)
					}
					return trialName(r, t)
				},
				Level: func(t Trial) (Level, bool) {
					l := min(t.Limits.NProc, t.Limits.Pids)
					return Level{Name: fmt.Sprintf("the lower limit, %d", l), Y: float64(l)}, l > 0
				}},
			TrialLines{Title: "Tasks on the whole host during the storm", Series: SeriesHostTasks, Y: "tasks on the host",
				Desc: "The host's task count over each trial: it grows by the zombies, and never past the limit."},
		},
	}
}

// firstChildExits are eintr's steps: a client, whose child exits (and
// raises SIGCHLD) while the parent waits in accept(), then a second client
// to see whether the parent still serves.
func firstChildExits() []Step {
	return []Step{clients("first client", 1, 0, 3*time.Second), wait(500 * time.Millisecond), clients("second client", 1, 0, 3*time.Second)}
}

func eintr() Experiment {
	d := time.Second
	steps := firstChildExits()
	return Experiment{
		Name:  "eintr",
		Title: "A SIGCHLD handler interrupts accept(): EINTR",
		Seed: &Quote{Part: 3, Source: "webserver3e.py and webserver3f.py", Claim: "part3-eintr",
			Words: "What just happened? The call to accept failed with the error EINTR. […] All you need to do is to re-start the accept system call."},
		Predicts: "the first child's exit interrupts the parent's accept(): webserver3e dies with accept: EINTR after serving one client; " +
			"webserver3f logs the EINTR, restarts accept() and serves the second client too",
		Mechanism: "A signal that arrives while a process blocks in a slow system call runs its handler, and unless the handler was installed with SA_RESTART, the call then fails with EINTR. " +
			"The child's exit raises SIGCHLD while the parent waits in accept(); a server that treats every accept() error as fatal dies of a harmless interruption.",
		Trials: 1,
		Arms: []Arm{
			{Name: "3e", Preset: "webserver3e", Args: args("webserver3e", d), Steps: steps},
			{Name: "3f", Preset: "webserver3f", Args: args("webserver3f", d), Steps: steps},
		},
		Checks: append(diesWith("3e", "accept", catalogue.EINTR),
			check("3e", Outcomes(client.Replied), EQ, 1, "only the first client is served"),
			check("3f", Running(), EQ, 1, "the server lives on"),
			check("3f", LogContains(catalogue.Failed("accept", catalogue.EINTR)), EQ, 1, "accept() was interrupted"),
			check("3f", LogContains(catalogue.LogRestart), EQ, 1, "and restarted"),
			check("3f", Outcomes(client.Replied), EQ, 2, "both clients are served"),
		),
	}
}

func sigchldCoalescing() Experiment {
	const n = 128
	steps := []Step{clients("128 clients at once", n, 0, 10*time.Second), wait(500 * time.Millisecond), probe("after")}
	return Experiment{
		Name:  "sigchld-coalescing",
		Title: "Signals do not queue: one wait() per SIGCHLD leaves zombies",
		Seed: &Quote{Part: 3, Source: "webserver3f.py and webserver3g.py", Claim: "part3-coalescing",
			Words: "use client3.py to create 128 simultaneous connections: $ python client3.py --max-clients 128 […] zombies are back again! […] " +
				"The problem is that the signals are not queued and your server process missed several signals, which left several zombies running around unattended […] " +
				"instead of wait use a waitpid system call with a WNOHANG option in a loop to make sure that all terminated child processes are taken care of"},
		Predicts: "with 128 clients at once, webserver3f (one wait per SIGCHLD) leaves zombies in at least one of 5 trials, and its log's forks minus reaps equals them; " +
			"webserver3g (a waitpid(-1, WNOHANG) loop) leaves none in any",
		Mechanism: "The kernel keeps one pending bit per signal, not a count: SIGCHLDs from children that exit while one is pending, or while the handler runs, merge into one. " +
			"A handler that waits once per signal then reaps fewer children than exited; only a loop that waits until none is left catches them all.",
		Trials: 5,
		Arms: []Arm{
			{Name: "3f", Preset: "webserver3f", Steps: steps},
			{Name: "3g", Preset: "webserver3g", Steps: steps},
		},
		Checks: []Check{
			{Arm: "3f", Metric: Zombies(), Op: GT, Value: 0, Over: Any, Why: "pending SIGCHLDs merge, so some children are never waited for"},
			check("3f", LogZombieGap(), EQ, 0, "forks - reaps in the log = the children /proc shows"),
			check("3g", Zombies(), EQ, 0, "the loop takes every exited child"),
			check("3g", LogZombieGap(), EQ, 0, "forks - reaps in the log = the children /proc shows"),
			check("3g", Outcomes(client.Replied), EQ, n, "every client is served"),
		},
		Views: zombieViews(),
	}
}

// inTurn predicts n clients at once against a server that serves one at
// a time, D each: every one served, the k-th ending within D/4 of k*D.
func inTurn(arm string, n int, d time.Duration) []Check {
	return []Check{
		check(arm, Outcomes(client.Replied), EQ, float64(n), "every client is served, in turn"),
		check(arm, Staircase(d), LE, 0.25, "the k-th client ends within D/4 of k*D"),
	}
}

// atOnce predicts n clients at once against a server that serves them
// side by side, D each: every one served, all ending between 0.9*D (none
// before what it waits for, named by wait) and 1.5*D.
func atOnce(arm string, n int, d time.Duration, wait string) []Check {
	return []Check{
		check(arm, Outcomes(client.Replied), EQ, float64(n), "every client is served at once"),
		check(arm, DoneMax(), LE, 1.5*d.Seconds(), "the last client ends by 1.5*D"),
		check(arm, DoneMin(), GE, 0.9*d.Seconds(), "no client ends before "+wait),
	}
}

// zombieViews set the log's bookkeeping beside /proc's, per trial: forks
// - reaps must be the children still there.
func zombieViews() []View {
	gap := func(t Trial) Value {
		return Value{V: float64(LogCount(t, catalogue.LogFork) - LogCount(t, catalogue.LogReap)), OK: true}
	}
	return []View{
		TrialTable{Title: "The server's log beside /proc at the last probe, per trial", Columns: []Column{
			Col("forks", LogLines(catalogue.LogFork)),
			Col("reaps", LogLines(catalogue.LogReap)),
			{Header: "forks − reaps", Cell: func(t Trial) Cell { return Text(gap(t).String()) }},
			Col("zombies in /proc", Zombies()),
		}},
		TrialBars{Title: "Zombies at the last probe, beside the log's forks − reaps", Y: "children",
			Desc: "For each trial, the zombie children /proc showed at the last probe, and the forks the server logged minus the reaps: every fork not reaped is a child still there.",
			Bars: []Bar{BarOf("zombies in /proc", Zombies()), {Name: "forks − reaps in the log", Of: gap}}},
	}
}

// diesWith predicts the seed's way of dying: the server exits through
// die(), status 1, its last words naming the failing call and errno.
func diesWith(arm, call, errno string) []Check {
	lastWords := catalogue.Failed(call, errno)
	return []Check{
		check(arm, Running(), EQ, 0, "the server dies"),
		check(arm, ExitCode(), EQ, 1, "it exits through die()"),
		check(arm, LastLogContains(lastWords), EQ, 1, fmt.Sprintf("its log ends with %q", lastWords)),
	}
}
