package experiment

import (
	"fmt"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/load"
	"github.com/serverlab/serverlab/harness/syscalls"
)

// serverPID is the specimen's PID in every fake trial; its children have
// PIDs from childPID up.
const (
	serverPID = 13
	childPID  = 100
	// startTasks is the host's task count at every fake start probe.
	startTasks = 168
	// startFiles is the host's open file handles in every fake sample.
	startFiles = 2208
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
		Exit:   Exit{Running: true},
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
	f.Arm, f.Trial.Trial, f.Preset, f.Args, f.Limits, f.Wire = arm, n, a.Preset, a.Args, p.Limits, p.Wire
	if a.Limits != nil {
		f.Limits = *a.Limits
	}
	if a.Wire != "" {
		f.Wire = a.Wire
	}
	// The runner records the whole command line: the arm's flags, or the
	// preset's, then the wire and the port.
	flags := p.Args
	if a.Args != nil {
		flags = a.Args
	}
	f.Args = catalogue.CommandLine(flags, f.Wire)
	return f
}

// samples adds one sample per value of series, 100 ms apart: fds or
// zombies, with the host's task count.
func (f fakeTrial) samples(series string, values ...int) fakeTrial {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	for i, v := range values {
		s := agent.Sample{Taken: t0.Add(time.Duration(i) * 100 * time.Millisecond), Server: serverPID, FDs: 4,
			HostTasks: startTasks, HostFiles: startFiles}
		switch series {
		case SeriesFDs:
			s.FDs = v
		case SeriesZombies:
			s.Zombies, s.Processes = v, v+1
		case SeriesHostTasks:
			s.HostTasks = v
		}
		f.Samples = append(f.Samples[:len(f.Samples):len(f.Samples)], s)
	}
	return f
}

// socketSample adds one sample with the port's sockets counted: the
// listener's accept queue and the server's ends by state.
func (f fakeTrial) socketSample(acceptQueue int, states map[string]int) fakeTrial {
	t0 := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	s := agent.Sample{Taken: t0.Add(time.Duration(len(f.Samples)) * 100 * time.Millisecond), Server: serverPID, FDs: 4,
		HostTasks: startTasks, HostFiles: startFiles, Sockets: &agent.Sockets{AcceptQueue: acceptQueue, Listeners: 1, States: states}}
	f.Samples = append(f.Samples[:len(f.Samples):len(f.Samples)], s)
	return f
}

// traced sets the system calls the load run labelled label counted:
// calls by name, and failures by "name ERRNO".
func traced(calls, failed map[string]int64) func(*LoadRun) {
	return func(r *LoadRun) {
		r.Syscalls = &syscalls.Counts{Arch: "amd64", Calls: calls, Failed: failed, Window: time.Second}
	}
}

// seedHello adds the seed wire's hello steps: every connection gets the
// article's bytes and EOF.
func (f fakeTrial) seedHello() fakeTrial {
	one := client.Result{Outcome: client.Replied, EOF: true, Connect: time.Millisecond, FirstByte: 2 * time.Millisecond,
		Done: 2 * time.Millisecond, Status: 200, Reply: catalogue.SeedReply}
	return f.clients(StepHello1, one).clients(StepNotFound, one).clients(StepBadRequest, one).clients(StepGarbage, one)
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
	f.Exit = Exit{ExitCode: code}
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
	return f.clients(StepHello1, one(200, date1, catalogue.HelloBody)).
		clients(StepHello2, one(200, date2, catalogue.HelloBody)).
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
		{PID: serverPID, Comm: comm, State: "S", Threads: 1, FDs: 4, Sockets: []uint64{9000}},
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
	if connect > 0 {
		r.LocalPort = clientPort
	}
	if o == client.Replied || o == client.NoEOF {
		r.Status, r.Reply = 200, httpReply(200, date1, catalogue.HelloBody)
	}
	return r
}

// clientPort is every fake connection's own port; serverSocket the inode
// of the specimen's end of it.
const (
	clientPort   = 42226
	serverSocket = 51301
)

// probeAt adds a probe step called label that found the server's children
// all gone (no live child), and the specimen's end of the client's
// connection held by the server if held, or orphaned.
func (f fakeTrial) probeAt(label string, held bool) fakeTrial {
	s := snapshot(f.Comm, 0, startTasks)
	s.Processes = s.Processes[:2] // the agent and the server
	conn := agent.TCPConn{LocalPort: catalogue.Port, RemotePort: clientPort, State: "ESTABLISHED", Inode: serverSocket}
	if held {
		s.Processes[1].Sockets = append(s.Processes[1].Sockets, serverSocket)
	} else {
		conn.State, conn.Inode = "FIN_WAIT2", 0
	}
	s.TCP = []agent.TCPConn{conn}
	f.Steps = append(f.Steps[:len(f.Steps):len(f.Steps)], Observation{Label: label, Kind: StepProbe, Probe: s})
	return f
}

// reaped adds the log lines of n forks, of which reaps were reaped.
func (f fakeTrial) reaped(n, reaps int) fakeTrial {
	for i := 0; i < n; i++ {
		f = f.logs("accept fd=4", fmt.Sprintf("fork child=%d", childPID+i))
	}
	for i := 0; i < reaps; i++ {
		f = f.logs(fmt.Sprintf("reap child=%d status=0", childPID+i))
	}
	return f
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

// relabel renames the trial's last step.
func (f fakeTrial) relabel(label string) fakeTrial {
	f.Steps = append([]Observation(nil), f.Steps...)
	f.Steps[len(f.Steps)-1].Label = label
	return f
}

// cgroupSample adds a sample that read the cgroup, whose pids limit had
// refused refused forks.
func (f fakeTrial) cgroupSample(refused int64) fakeTrial {
	s := agent.Sample{Server: serverPID, FDs: 4, Cgroup: &agent.Cgroup{Layout: agent.CgroupV1, PidsRefused: refused}}
	f.Samples = append(f.Samples[:len(f.Samples):len(f.Samples)], s)
	return f
}

// summary adds a client step that kept only counts.
func (f fakeTrial) summary(s client.Summary) fakeTrial {
	f.Steps = append(f.Steps[:len(f.Steps):len(f.Steps)], Observation{Label: "10000 idle clients", Kind: StepClient, Summary: &s})
	return f
}

// rssSamples adds samples of the specimen's resident memory, in MiB.
func (f fakeTrial) rssSamples(mibs ...int64) fakeTrial {
	for _, m := range mibs {
		f.Samples = append(f.Samples[:len(f.Samples):len(f.Samples)], agent.Sample{Server: serverPID, FDs: 4, RSS: m << 20})
	}
	return f
}

// memorySamples adds samples of the cgroup's memory charge, in MiB.
func (f fakeTrial) memorySamples(mibs ...int64) fakeTrial {
	for _, m := range mibs {
		f.Samples = append(f.Samples[:len(f.Samples):len(f.Samples)],
			agent.Sample{Server: serverPID, FDs: 4, Cgroup: &agent.Cgroup{Layout: agent.CgroupV2, Memory: m << 20}})
	}
	return f
}

// withThreads gives the server at the last probe n threads.
func withThreads(f fakeTrial, n int) fakeTrial {
	p := *f.Steps[len(f.Steps)-1].Probe
	p.Processes = append([]agent.Process(nil), p.Processes...)
	p.Processes[1].Threads = n
	f.Steps = append([]Observation(nil), f.Steps...)
	f.Steps[len(f.Steps)-1].Probe = &p
	return f
}

// workerLines are prefork's accept lines: counts[k] accepts by worker k.
func workerLines(counts ...int) []string {
	var out []string
	for k, n := range counts {
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf("accept fd=%d worker=%d pid=%d", 5+i, k, 20+k))
		}
	}
	return out
}

// loadRun adds a 3 s load step labelled label: rps requests per second,
// errs errors, a p99 of p99 ms, and cpu of CPU spent by the specimen's
// cgroup over it (negative: the cgroup was not read).
// editLoad changes the load run labelled label.
func (f fakeTrial) editLoad(label string, edit func(*LoadRun)) fakeTrial {
	for _, o := range f.Steps {
		if o.Label == label && o.Load != nil {
			edit(o.Load)
		}
	}
	return f
}

// counted sets a load run's listen drops in the namespace before and after.
func counted(before, after int64) func(*LoadRun) {
	return func(r *LoadRun) {
		r.Before.Net, r.After.Net = &agent.Net{ListenDrops: before}, &agent.Net{ListenDrops: after}
	}
}

func (f fakeTrial) loadRun(label string, rps float64, errs int64, p99 float64, cpu time.Duration) fakeTrial {
	run := &LoadRun{Result: load.Result{RPS: rps, Requests: int64(rps * 3), DurationS: 3,
		Latency: load.Percentiles{P50: p99 / 2, P99: p99}, Errors: map[load.Kind]int64{load.Timeout: errs}}}
	if cpu >= 0 {
		run.Before = &agent.Sample{Cgroup: &agent.Cgroup{CPUUser: time.Second, CPUSystem: time.Second}}
		run.After = &agent.Sample{Cgroup: &agent.Cgroup{CPUUser: time.Second + cpu/3, CPUSystem: time.Second + cpu - cpu/3}}
	}
	f.Steps = append(f.Steps[:len(f.Steps):len(f.Steps)], Observation{Label: label, Kind: StepLoad, Load: run})
	return f
}
