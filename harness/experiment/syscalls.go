package experiment

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/syscalls"
)

// Kernel returns the experiments that watch the kernel work: what each
// model asks of it per request.
func Kernel() []Experiment { return []Experiment{syscallsPerRequest()} }

// The system calls a model's loop makes, in groups: one call goes by
// several names (recv() is recvfrom, Go's Read is read; epoll_wait is
// epoll_pwait on arm64; fork() is clone), as the libc, the runtime and the
// architecture choose.
var (
	callsAccept = []string{"accept", "accept4"}
	callsRead   = []string{"read", "recvfrom", "recvmsg", "readv"}
	callsWrite  = []string{"write", "sendto", "sendmsg", "writev"}
	callsWait   = []string{"epoll_wait", "epoll_pwait", "epoll_pwait2", "select", "pselect6", "poll", "ppoll"}
	callsCtl    = []string{"epoll_ctl"}
	callsFork   = []string{"clone", "clone3", "fork", "vfork"}
	callsReap   = []string{"wait4", "waitid"}
	callsClose  = []string{"close", "shutdown"}
	callsFutex  = []string{"futex"}
	callsUring  = []string{"io_uring_enter"}
)

// callGroups are the columns of the calls-per-request table, in the order
// of a request's life.
var callGroups = []struct {
	name  string
	calls []string
}{
	{"accept", callsAccept}, {"read", callsRead}, {"write", callsWrite}, {"wait for readiness", callsWait},
	{"epoll_ctl", callsCtl}, {"io_uring_enter", callsUring}, {"fork or clone", callsFork}, {"wait4", callsReap},
	{"close", callsClose}, {"futex", callsFutex},
}

// SyscallsOf returns the system calls the load step at counted.
func SyscallsOf(t Trial, at Step) (*LoadRun, *syscalls.Counts, error) {
	r, err := LoadOf(t, at.Label)
	if err != nil {
		return nil, nil, err
	}
	if r.Syscalls == nil {
		return r, nil, fmt.Errorf("the load step %q was not traced", at.Label)
	}
	if r.Result.Requests == 0 {
		return r, nil, errors.New("no request was answered")
	}
	return r, r.Syscalls, nil
}

// SyscallsPerRequest is the system calls of the given names (every call
// when none is given) the specimen entered over the traced load step at,
// per request answered in it.
func SyscallsPerRequest(at Step, names ...string) Metric {
	arg := at.Label + ": " + strings.Join(names, "+")
	if len(names) == 0 {
		arg = at.Label + ": all"
	}
	return newMetric("syscalls_per_request", arg, func(t Trial) (float64, error) {
		r, c, err := SyscallsOf(t, at)
		if err != nil {
			return 0, err
		}
		n := c.Total()
		if len(names) > 0 {
			n = c.Of(names...)
		}
		return float64(n) / float64(r.Result.Requests), nil
	}, at)
}

// SucceededPerRequest is SyscallsPerRequest of the calls that returned no
// error: a thread's clone, not the clone3 before it that a seccomp
// profile refused (ENOSYS); a read that brought a request, not the one
// that found nothing (EAGAIN).
func SucceededPerRequest(at Step, names ...string) Metric {
	return newMetric("succeeded_per_request", at.Label+": "+strings.Join(names, "+"), func(t Trial) (float64, error) {
		r, c, err := SyscallsOf(t, at)
		if err != nil {
			return 0, err
		}
		return float64(c.Succeeded(names...)) / float64(r.Result.Requests), nil
	}, at)
}

// decodeSucceededPerRequest binds "LABEL: a+b".
func decodeSucceededPerRequest(arg string) (Metric, error) {
	i := strings.LastIndex(arg, ": ")
	if i <= 0 || arg[i+2:] == "" {
		return Metric{}, fmt.Errorf("needs \"LABEL: name+name\", got %q", arg)
	}
	return SucceededPerRequest(Step{Kind: StepLoad, Label: arg[:i]}, strings.Split(arg[i+2:], "+")...), nil
}

// decodeSyscallsPerRequest binds "LABEL: a+b" (or "LABEL: all").
func decodeSyscallsPerRequest(arg string) (Metric, error) {
	i := strings.LastIndex(arg, ": ")
	if i <= 0 {
		return Metric{}, fmt.Errorf("needs \"LABEL: name+name\" or \"LABEL: all\", got %q", arg)
	}
	at := Step{Kind: StepLoad, Label: arg[:i]}
	if names := arg[i+2:]; names != "all" {
		return SyscallsPerRequest(at, strings.Split(names, "+")...), nil
	}
	return SyscallsPerRequest(at), nil
}

// TracedOver is the specimen's CPU per request in the traced load step
// over the untraced one's: what tracing cost.
func TracedOver(traced, untraced Step) Metric {
	return stepsOver("cpu_traced_over_untraced", CPUPerRequestUS, traced, untraced)
}

// syscallConns is how many connections each model is loaded with: the
// prediction for io_uring is at 64 keep-alive connections.
const syscallConns = 64

// syscallModels are the models traced: every loaded model, io_uring too.
var syscallModels = throughputModels

func syscallsPerRequest() Experiment {
	load := func(label string, keepAlive, trace bool) Step {
		return Step{Kind: StepLoad, Label: label, Load: &LoadStep{Connections: syscallConns, Duration: time.Second,
			Timeout: time.Second, KeepAlive: keepAlive, Trace: trace}}
	}
	untraced, traced := Step{Kind: StepLoad, Label: "untraced"}, Step{Kind: StepLoad, Label: "traced"}
	e := Experiment{
		Name:           "syscalls",
		FreshNamespace: true,
		Title:          "System calls per request, per model: what each asks of the kernel",
		Predicts: fmt.Sprintf("with %d connections for 1 s, keep-alive on and off, the specimen's system calls counted (every process and thread, followed across forks and clones): "+
			"kept alive, every C model reads a request with one recv() and answers it with one send(), within 10 %%, and the event loops (select, epoll) wait for readiness at most once per request; "+
			"the goroutines server writes each reply with one write() and reads each request with one read() that succeeds, and at most one more that finds nothing (EAGAIN) before it parks; "+
			"one connection per request, every model accepts each (at least 0.9 accepts per request), the forking server forks once per connection (0.9 to 1.1 forks that succeed) and reaps each child with wait4 (at least 0.9), "+
			"the threaded server clones a thread per connection (0.9 to 1.1 clones that succeed: a clone3 that a seccomp profile refuses, ENOSYS, and glibc's clone after it are one thread), and no other model forks or clones per connection (under 0.05); "+
			"for epoll a connection per request costs at least twice the calls of a kept-alive request; "+
			"the io_uring loop makes no recv, send or accept of its own (under 0.05 per request: the kernel does them, as completions), at most one io_uring_enter per kept-alive request, "+
			"and fewer calls per kept-alive request in all than epoll. "+
			"What tracing costs, CPU per request and requests per second, is the same load untraced and traced, measured and shown", syscallConns),
		Mechanism: "A system call is the only way a server reaches a socket: each model's loop is its calls. A kept-alive connection costs one read and one write per request, " +
			"and an event loop one wait for readiness for all the connections that became ready together; a new connection adds an accept and a close, and for the models " +
			"that give each connection a task, a fork (and a wait4 to reap it) or a clone. The count is ptrace's: every call stops its thread at entry and exit, " +
			"which slows the traced run, so the same load runs untraced first and the report shows what tracing took.",
		Trials: 1,
		Views: []View{
			syscallTable(traced),
			TrialTable{Title: "What tracing cost", By: "model", Columns: []Column{
				Col("req/s untraced", RPS(untraced)), Col("req/s traced", RPS(traced)),
				ColIn("CPU per request untraced", CPUPerRequestUS(untraced), "µs"), ColIn("CPU per request traced", CPUPerRequestUS(traced), "µs"),
				Col("CPU per request, traced over untraced", TracedOver(traced, untraced)),
			}, Note: "The specimen's CPU time from its cgroup around each run, per request answered. Tracing stops each call twice, so the traced run shows the tracer's cost, not the model's."},
			TrialBars{Title: "System calls per request, per model", X: "model", Y: "calls per request",
				Desc: "Per model and mode, the system calls per request answered while traced, in all and by what they do.",
				Bars: []Bar{BarOf("all", SyscallsPerRequest(traced)), BarOf("read", SyscallsPerRequest(traced, callsRead...)),
					BarOf("write", SyscallsPerRequest(traced, callsWrite...)), BarOf("wait for readiness", SyscallsPerRequest(traced, callsWait...)),
					BarOf("accept", SyscallsPerRequest(traced, callsAccept...)), BarOf("fork or clone", SyscallsPerRequest(traced, callsFork...))}},
			SyscallNames{Of: traced},
		},
	}
	for _, m := range syscallModels {
		for _, mode := range []string{KeepAlive, Close} {
			keep := mode == KeepAlive
			e.Arms = append(e.Arms, Arm{Name: m.name + "/" + mode, Preset: m.preset, Wire: catalogue.WireHTTP, Pin: true,
				Args: override(m.preset, loadFlags...), Steps: []Step{load(untraced.Label, keep, false), load(traced.Label, keep, true)}})
		}
	}
	per := func(arm string, calls []string, op Op, v float64, why string) Check {
		return check(arm, SyscallsPerRequest(traced, calls...), op, v, why)
	}
	succeeded := func(arm string, calls []string, op Op, v float64, why string) Check {
		return check(arm, SucceededPerRequest(traced, calls...), op, v, why)
	}
	for _, m := range syscallModels {
		ka, cl := m.name+"/"+KeepAlive, m.name+"/"+Close
		if m.name == uringModel.name {
			e.Checks = append(e.Checks,
				per(ka, callsUring, LE, 1.1, "at most one io_uring_enter per request: every completion that came together is reaped after one"),
				per(ka, append(callsRead, callsWrite...), LT, 0.05, "no recv or send of its own: the kernel's, as completions"),
				per(cl, callsAccept, LT, 0.05, "no accept of its own: one multishot accept submission takes every connection"),
				per(cl, callsFork, LT, 0.05, "no task per connection"))
			continue
		}
		if m.name == "goroutines" {
			e.Checks = append(e.Checks,
				per(ka, []string{"write"}, GE, 0.9, "one write() per reply"), per(ka, []string{"write"}, LE, 1.1, "one write() per reply"),
				succeeded(ka, []string{"read"}, GE, 0.9, "a read() that brings each request"), succeeded(ka, []string{"read"}, LE, 1.1, "a read() that brings each request"),
				per(ka, []string{"read"}, LE, 2.1, "and at most one more, which finds nothing (EAGAIN) before the goroutine parks"))
		} else {
			e.Checks = append(e.Checks,
				per(ka, []string{"recvfrom"}, GE, 0.9, "one recv() per request"), per(ka, []string{"recvfrom"}, LE, 1.1, "one recv() per request"),
				per(ka, []string{"sendto"}, GE, 0.9, "one send() per reply"), per(ka, []string{"sendto"}, LE, 1.1, "one send() per reply"))
		}
		if m.name == "select" || m.name == "epoll" {
			e.Checks = append(e.Checks, per(ka, callsWait, LE, 1.1, "at most one wait for readiness per request"))
		}
		e.Checks = append(e.Checks, per(cl, callsAccept, GE, 0.9, "every connection is accepted"))
		switch m.name {
		case "forking":
			e.Checks = append(e.Checks,
				succeeded(cl, callsFork, GE, 0.9, "a fork per connection"), succeeded(cl, callsFork, LE, 1.1, "a fork per connection"),
				succeeded(cl, callsReap, GE, 0.9, "and a wait4 that reaps each child"))
		case "threads":
			e.Checks = append(e.Checks, succeeded(cl, callsFork, GE, 0.9, "a thread per connection"), succeeded(cl, callsFork, LE, 1.1, "a thread per connection"))
		default:
			e.Checks = append(e.Checks, per(cl, callsFork, LT, 0.05, "no task per connection"))
		}
	}
	e.Checks = append(e.Checks, ratio("epoll/"+Close, SyscallsPerRequest(traced), "epoll/"+KeepAlive, GE, 2,
		"an accept, a close and two epoll_ctl per connection cost more calls than the request itself"),
		ratio("uring/"+KeepAlive, SyscallsPerRequest(traced), "epoll/"+KeepAlive, LT, 1,
			"io_uring submits the recvs and sends and reaps their completions in one call, where epoll makes a recv and a send per request"))
	return e
}

// syscallTable is the table of calls per request by group, a row per arm.
func syscallTable(traced Step) TrialTable {
	cols := []Column{Col("all", SyscallsPerRequest(traced))}
	for _, g := range callGroups {
		cols = append(cols, Col(g.name, SyscallsPerRequest(traced, g.calls...)))
	}
	return TrialTable{Title: "System calls per request, by what they do", By: "model", Columns: cols,
		Note: "Calls entered over the traced run by every process and thread of the specimen, per request answered. read is read, recv (recvfrom), recvmsg and readv; " +
			"write is write, send (sendto), sendmsg and writev; wait for readiness is epoll_wait, epoll_pwait, select, pselect6, poll and ppoll; fork or clone is clone, clone3, fork and vfork."}
}

// SyscallNames is a folded table of every call each traced trial made, by
// name, per request: what the grouped table sums.
type SyscallNames struct{ Of Step }

func (v SyscallNames) reads() []stepRef { return []stepRef{{v.Of.Kind, v.Of.Label}} }

func (v SyscallNames) Figures(r Record) []Figure {
	tab := &Table{Columns: []string{trialsLabel("model", r), "system call", "calls", "per request", "failed"}}
	for _, t := range r.Trials {
		run, c, err := SyscallsOf(t, v.Of)
		if err != nil {
			tab.Rows = append(tab.Rows, []Cell{Text(trialName(r, t)), Text("?"), Text("?"), Text(err.Error()), Text("")})
			continue
		}
		for _, name := range c.Names() {
			tab.Rows = append(tab.Rows, []Cell{Text(trialName(r, t)), Code(name), Text(Number(float64(c.Calls[name]))),
				Text(Number(float64(int64(float64(c.Calls[name])/float64(run.Result.Requests)*1000+0.5)) / 1000)), Text(strings.Join(c.FailedOf(name), ", "))})
		}
	}
	return []Figure{{Title: "Every system call, per model", Folded: true, Table: tab,
		Desc: "Each traced run's system calls by name, in all and per request answered, the most called first, and those that returned an error, by errno."}}
}
