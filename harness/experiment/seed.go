package experiment

import (
	"fmt"
	"strconv"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// Seed returns the experiments of "Let's Build A Web Server" part 3, in the
// article's order. Each states its thresholds here, and the report shows them.
func Seed() []Experiment {
	return []Experiment{
		hello(), headOfLine(), backlog(), clientHang(), fdExhaustion(),
		zombieCount(), processLimit(), eintr(), sigchldCoalescing(),
	}
}

// Lookup returns the seed experiment called name.
func Lookup(name string) (Experiment, error) {
	for _, e := range Seed() {
		if e.Name == name {
			return e, nil
		}
	}
	return Experiment{}, fmt.Errorf("no experiment %q (see lab run --list)", name)
}

// clients is a client step.
func clients(label string, n int, ramp, timeout time.Duration) Step {
	return Step{Kind: StepClient, Label: label, Client: &ClientStep{Clients: n, Conns: 1, Ramp: ramp, Timeout: timeout}}
}

func wait(d time.Duration) Step { return Step{Kind: StepWait, Label: "wait " + d.String(), Wait: d} }

func probe(label string) Step { return Step{Kind: StepProbe, Label: label} }

// check builds a check that must hold in every trial.
func check(arm, metric, arg, op string, value float64, why string) Check {
	return Check{Arm: arm, Metric: metric, Arg: arg, Op: op, Value: value, Over: Every, Why: why}
}

// args returns a preset's arguments with --delay replaced by d (0 drops it).
func args(preset string, delay time.Duration) []string {
	p, err := catalogue.LookupPreset(preset)
	if err != nil {
		panic(err) // the seed names catalogue presets; a test runs every one
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

func limitsOf(preset string) *catalogue.Limits {
	p, err := catalogue.LookupPreset(preset)
	if err != nil {
		panic(err)
	}
	return &p.Limits
}

func hello() Experiment {
	e := Experiment{
		Name:   "hello",
		Title:  "Every preset replies as an HTTP/1.1 server should",
		Claim:  "GET /hello gets 200 and Hello, World!, with a correct Content-Length, a Server header and a current Date; another path gets 404, a line that is not HTTP 400",
		Trials: 1,
	}
	step := func(label, path, raw string) Step {
		return Step{Kind: StepClient, Label: label, Client: &ClientStep{
			Clients: 1, Conns: 1, Timeout: time.Second, Path: path, Raw: raw, Revive: true}}
	}
	for _, p := range catalogue.Presets() {
		e.Arms = append(e.Arms, Arm{
			Name: p.Name, Preset: p.Name,
			// No delay: the reply is what is checked, not the model.
			Args: args(p.Name, 0),
			Steps: []Step{
				step(StepHello1, "/hello", ""),
				wait(2100 * time.Millisecond), // Date has one-second resolution
				step(StepHello2, "/hello", ""),
				step(StepNotFound, "/nope", ""),
				step(StepBadRequest, "", "HELLO THERE\r\n\r\n"),
			},
		})
		e.Checks = append(e.Checks, check(p.Name, "conformance_failures", "", "==", 0,
			"status, Content-Type, Content-Length, Server, Date (an IMF-fixdate that changes) and body as TechEmpower's verifier checks them"))
	}
	return e
}

func headOfLine() Experiment {
	const d = time.Second
	step := clients("5 clients at once", 5, 0, 10*time.Second)
	return Experiment{
		Name:   "head-of-line",
		Title:  "An iterative server makes every client wait for the one before",
		Claim:  "with a delay D per request, 5 clients at once finish in a staircase k*D against webserver3b, all at about D against webserver3c",
		Trials: 1,
		Arms: []Arm{
			{Name: "3b", Preset: "webserver3b", Args: args("webserver3b", d), Steps: []Step{step}},
			{Name: "3c", Preset: "webserver3c", Args: args("webserver3c", d), Steps: []Step{step}},
		},
		Checks: []Check{
			check("3b", "outcome", "replied", "==", 5, "every client is served, in turn"),
			check("3b", "staircase", d.String(), "<=", 0.25, "the k-th client ends within D/4 of k*D"),
			check("3c", "outcome", "replied", "==", 5, "every client is served at once"),
			check("3c", "done_max", "", "<=", 1.5*d.Seconds(), "the last client ends by 1.5*D"),
			check("3c", "done_min", "", ">=", 0.9*d.Seconds(), "no client ends before its own delay"),
		},
	}
}

func backlog() Experiment {
	e := Experiment{
		Name:   "backlog",
		Title:  "The listen backlog holds the connections a busy server has not accepted",
		Claim:  "while an iterative server is busy, the kernel completes backlog+1 handshakes (Linux); the others' SYNs are dropped and retried, so their connect takes 1 s or more, or times out",
		Trials: 1,
	}
	for _, b := range []int{0, 1, 5, 128} {
		name := "backlog-" + strconv.Itoa(b)
		n := b + 8
		e.Arms = append(e.Arms, Arm{
			Name: name, Preset: "webserver3a",
			// The first client keeps the server busy for 10 s, longer than
			// the whole step: every later one waits in the queue or outside.
			Args: []string{"--backlog", strconv.Itoa(b), "--delay", "10s"},
			Steps: []Step{
				clients(strconv.Itoa(n)+" clients, 15 ms apart", n, time.Duration(n)*15*time.Millisecond, 3*time.Second),
			},
		})
		e.Checks = append(e.Checks,
			check(name, "connected_within", "500ms", "==", float64(b+2),
				"one connection being served plus backlog+1 completed in the accept queue"),
			check(name, "unconnected", "", "==", float64(n-b-2),
				"every other SYN is dropped, and retried in vain until the 3 s timeout"),
		)
	}
	return e
}

func clientHang() Experiment {
	step := clients("1 client", 1, 0, 3*time.Second)
	return Experiment{
		Name:   "client-hang",
		Title:  "A parent that keeps the client socket leaves the client hanging",
		Claim:  "webserver3d's client gets the reply but no EOF (the parent still holds a copy of the socket) until it gives up; webserver3c's gets EOF at once",
		Trials: 1,
		Arms: []Arm{
			{Name: "3c", Preset: "webserver3c", Args: args("webserver3c", 0), Steps: []Step{step}},
			{Name: "3d", Preset: "webserver3d", Args: args("webserver3d", 0), Steps: []Step{step}},
		},
		Checks: []Check{
			check("3c", "outcome", "replied", "==", 1, "reply, then EOF"),
			check("3c", "done_max", "", "<=", 0.5, "EOF at once (well under 0.5 s)"),
			check("3d", "outcome", "reply-without-eof", "==", 1, "reply, but no EOF"),
			check("3d", "done_max", "", ">=", 2.9, "the client waits until its 3 s timeout"),
		},
	}
}

func fdExhaustion() Experiment {
	// 3c under 3d's limits, but its own UID: RLIMIT_NPROC counts per UID.
	lim := *limitsOf("webserver3d")
	lim.UID = limitsOf("webserver3c").UID
	steps := []Step{clients("300 clients over 1 s", 300, time.Second, 10*time.Second), wait(500 * time.Millisecond), probe("after")}
	return Experiment{
		Name:   "fd-exhaustion",
		Title:  "Descriptors the parent never closes run out: EMFILE",
		Claim:  "with ulimit -n 256 and 300 clients, webserver3d dies with accept: EMFILE after 256 minus the descriptors it had open at start; webserver3c under the same limit and load survives",
		Trials: 1,
		Arms: []Arm{
			{Name: "3d", Preset: "webserver3d", Steps: steps},
			{Name: "3c", Preset: "webserver3c", Limits: &lim, Steps: steps},
		},
		Checks: append(diesWith("3d", "accept: EMFILE"),
			check("3d", "emfile_margin", "", ">=", -1, "accepts = nofile - descriptors at start, within 1"),
			check("3d", "emfile_margin", "", "<=", 1, "accepts = nofile - descriptors at start, within 1"),
			check("3c", "running", "", "==", 1, "closing its copy, the parent never runs out"),
			check("3c", "outcome", "replied", "==", 300, "every client is served"),
		),
	}
}

func zombieCount() Experiment {
	const n = 20
	steps := []Step{clients("20 clients over 0.5 s", n, 500*time.Millisecond, 5*time.Second), wait(time.Second), probe("after")}
	return Experiment{
		Name:   "zombies",
		Title:  "Children never waited for become zombies",
		Claim:  "after N clients, webserver3c has N zombie children in /proc; webserver3g, which reaps with waitpid, has none",
		Trials: 1,
		Arms: []Arm{
			{Name: "3c", Preset: "webserver3c", Args: args("webserver3c", 0), Steps: steps},
			{Name: "3g", Preset: "webserver3g", Steps: steps},
		},
		Checks: []Check{
			check("3c", "outcome", "replied", "==", n, "every client is served"),
			check("3c", "zombies", "", "==", n, "one zombie per client: nobody waits"),
			check("3g", "outcome", "replied", "==", n, "every client is served"),
			check("3g", "zombies", "", "==", 0, "every child is reaped"),
		},
	}
}

func processLimit() Experiment {
	lim := *limitsOf("webserver3c")
	lim.NProc, lim.Pids = 400, 400
	return Experiment{
		Name:   "process-limit",
		Title:  "Zombies exhaust the process limit: fork fails with EAGAIN",
		Claim:  "with ulimit -u 400 (and a pids limit of 400) and 500 clients, webserver3c's fork fails with EAGAIN and the server dies; the storm stays inside the limits, and the host's task count is back where it was",
		Trials: 1,
		Arms: []Arm{{
			Name: "3c", Preset: "webserver3c", Args: args("webserver3c", 0), Limits: &lim,
			Steps: []Step{clients("500 clients over 2 s", 500, 2*time.Second, 5*time.Second), wait(time.Second), probe("after")},
		}},
		Checks: append(diesWith("3c", "fork: EAGAIN"),
			check("3c", "process_limit_margin", "", ">=", -1, "forks = min(pids, nproc) - 1 (the server is one), within 1"),
			check("3c", "process_limit_margin", "", "<=", 0, "no fork beyond the limit"),
			check("3c", "host_tasks_growth", "", "<=", 50, "the host's task count is back within 50 of where it was"),
		),
	}
}

func eintr() Experiment {
	d := time.Second
	steps := []Step{clients("first client", 1, 0, 3*time.Second), wait(500 * time.Millisecond), clients("second client", 1, 0, 3*time.Second)}
	f := args("webserver3f", d)
	return Experiment{
		Name:   "eintr",
		Title:  "A SIGCHLD handler interrupts accept(): EINTR",
		Claim:  "the first child's exit interrupts accept(); webserver3e dies with EINTR, webserver3f restarts accept() and keeps serving",
		Trials: 1,
		Arms: []Arm{
			{Name: "3e", Preset: "webserver3e", Args: args("webserver3e", d), Steps: steps},
			{Name: "3f", Preset: "webserver3f", Args: f, Steps: steps},
		},
		Checks: append(diesWith("3e", "accept: EINTR"),
			check("3e", "outcome", "replied", "==", 1, "only the first client is served"),
			check("3f", "running", "", "==", 1, "the server lives on"),
			check("3f", "log_contains", "accept: EINTR (Interrupted system call) restarting", "==", 1, "accept() was interrupted, and restarted"),
			check("3f", "outcome", "replied", "==", 2, "both clients are served"),
		),
	}
}

func sigchldCoalescing() Experiment {
	const n = 128
	steps := []Step{clients("128 clients at once", n, 0, 10*time.Second), wait(time.Second), probe("after")}
	return Experiment{
		Name:   "sigchld-coalescing",
		Title:  "Signals do not queue: one wait() per SIGCHLD leaves zombies",
		Claim:  "with 128 clients at once, webserver3f (one wait per SIGCHLD) leaves zombies in at least one trial; webserver3g (a waitpid WNOHANG loop) leaves none in any",
		Trials: 5,
		Arms: []Arm{
			{Name: "3f", Preset: "webserver3f", Steps: steps},
			{Name: "3g", Preset: "webserver3g", Steps: steps},
		},
		Checks: []Check{
			{Arm: "3f", Metric: "zombies", Op: ">", Value: 0, Over: Any, Why: "pending SIGCHLDs merge, so some children are never waited for"},
			check("3g", "zombies", "", "==", 0, "the loop takes every exited child"),
			check("3g", "outcome", "replied", "==", n, "every client is served"),
		},
	}
}

// diesWith predicts the seed's way of dying: the server exits through
// die(), status 1, its last words naming the failing call and errno.
func diesWith(arm, lastWords string) []Check {
	return []Check{
		check(arm, "running", "", "==", 0, "the server dies"),
		check(arm, "exit_code", "", "==", 1, "it exits through die()"),
		check(arm, "last_log_contains", lastWords, "==", 1, fmt.Sprintf("its log ends with %q, as in the article", lastWords)),
	}
}
