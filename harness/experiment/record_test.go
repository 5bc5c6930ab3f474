package experiment

import (
	"fmt"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/runner"
)

// serverPID is the specimen's PID in every fake trial; its children have
// PIDs from childPID up.
const (
	serverPID = 13
	childPID  = 100
	// startTasks is the host's task count at every fake start probe.
	startTasks = 168
)

// fakeTrial builds a Trial the way the runner records one, a step at a time.
// Its methods return a copy, so that a fake can be extended without
// changing the one it came from.
type fakeTrial struct{ Trial }

// fake starts a trial of a specimen called comm: its server listens, with 4
// descriptors, and still runs.
func fake(comm string) fakeTrial {
	return fakeTrial{Trial{
		Arm: "arm", Trial: 1, Comm: comm,
		Limits: catalogue.DefaultLimits(),
		Start:  snapshot(comm, 0, startTasks),
		Exit:   runner.Exit{Running: true},
		Logs:   []string{fmt.Sprintf("listening port=8888 backlog=5 pid=%d model=%s", serverPID, comm)},
	}}
}

// observe starts trial n of e's arm: the arm's preset, specimen and limits.
func observe(e Experiment, arm string, n int) fakeTrial {
	a, ok := e.Arm(arm)
	if !ok {
		panic(fmt.Sprintf("experiment %s has no arm %s", e.Name, arm))
	}
	p, err := catalogue.LookupPreset(a.Preset)
	if err != nil {
		panic(err)
	}
	f := fake(p.Specimen)
	f.Arm, f.Trial.Trial, f.Preset, f.Args, f.Limits = arm, n, a.Preset, a.Args, p.Limits
	if a.Limits != nil {
		f.Limits = *a.Limits
	}
	return f
}

// clients adds a client step that saw rs.
func (f fakeTrial) clients(label string, rs ...client.Result) fakeTrial {
	f.Steps = append(f.Steps[:len(f.Steps):len(f.Steps)], Observation{Label: label, Kind: StepClient, Clients: rs})
	return f
}

// probe adds a probe step that found the server with zombies zombie children.
func (f fakeTrial) probe(zombies int) fakeTrial {
	f.Steps = append(f.Steps[:len(f.Steps):len(f.Steps)],
		Observation{Label: "after", Kind: StepProbe, Probe: snapshot(f.Comm, zombies, startTasks+2)})
	return f
}

// exited ends the trial with the specimen dead with code.
func (f fakeTrial) exited(code int) fakeTrial {
	f.Exit = runner.Exit{ExitCode: code}
	return f
}

// logs appends lines to the specimen's log.
func (f fakeTrial) logs(lines ...string) fakeTrial {
	f.Logs = append(f.Logs[:len(f.Logs):len(f.Logs)], lines...)
	return f
}

// hello adds the hello experiment's four steps, each a conforming reply;
// the two GET /hello replies carry dates date1 and date2.
func (f fakeTrial) hello(date1, date2 string) fakeTrial {
	one := func(status int, date, body string) client.Result {
		start, _ := time.Parse(time.RFC1123, date) // the reply came when its Date says
		return client.Result{Outcome: client.Replied, Start: start, Connect: time.Millisecond,
			FirstByte: 2 * time.Millisecond, Done: 2 * time.Millisecond, Status: status, Reply: httpReply(status, date, body)}
	}
	return f.clients(StepHello1, one(200, date1, HelloBody)).
		clients(StepHello2, one(200, date2, HelloBody)).
		clients(StepNotFound, one(404, date2, "Not Found\n")).
		clients(StepBadRequest, one(400, date2, "Bad Request\n"))
}

// The dates of the two GET /hello replies, two seconds apart.
const (
	date1 = "Thu, 26 Nov 2026 02:41:50 GMT"
	date2 = "Thu, 26 Nov 2026 02:41:52 GMT"
)

// httpReply is a reply as the specimens send it: CRLF header lines, every
// header the conformance check reads, then the body.
func httpReply(status int, date, body string) string {
	reason := map[int]string{200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}[status]
	return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"+
		"Date: %s\r\nServer: serverlab-forking\r\nConnection: close\r\n\r\n%s", status, reason, len(body), date, body)
}

// snapshot is the namespace as the agent sees it: the agent as PID 1, the
// server (PPID 0: the runtime started it from outside) with 4 descriptors,
// one live child, zombies zombie children, and a zombie reparented to the
// agent, which is nobody's to reap but the agent's.
func snapshot(comm string, zombies, hostTasks int) *agent.Snapshot {
	s := &agent.Snapshot{Somaxconn: 4096, HostTasks: hostTasks, Processes: []agent.Process{
		{PID: 1, Comm: "lab", State: "S", Threads: 7, FDs: 7},
		{PID: serverPID, Comm: comm, State: "S", Threads: 1, FDs: 4},
		{PID: childPID - 1, PPID: 1, Comm: comm, State: "Z", FDs: -1},
		{PID: childPID, PPID: serverPID, Comm: comm, State: "S", Threads: 1, FDs: 5},
	}}
	for i := 1; i <= zombies; i++ {
		s.Processes = append(s.Processes, agent.Process{PID: childPID + i, PPID: serverPID, Comm: comm, State: "Z", FDs: -1})
	}
	return s
}

// conn is one connection with its outcome, handshake and end times.
func conn(o client.Outcome, connect, done time.Duration) client.Result {
	r := client.Result{Outcome: o, Connect: connect, Done: done}
	if o == client.Replied || o == client.NoEOF {
		r.Status, r.Reply = 200, httpReply(200, date1, HelloBody)
	}
	return r
}

// conns is one connection per end time, each with a 1 ms handshake.
func conns(o client.Outcome, dones ...time.Duration) []client.Result {
	rs := make([]client.Result, len(dones))
	for i, d := range dones {
		rs[i] = conn(o, time.Millisecond, d)
	}
	return rs
}

// times is d, n times.
func times(n int, d time.Duration) []time.Duration {
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = d
	}
	return ds
}

// sec is s seconds.
func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
