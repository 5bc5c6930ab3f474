package experiment

import (
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/load"
)

// The model experiments' trials as predicted.
func init() {
	predicted["slow-clients"] = func(e Experiment) []Trial {
		stalled := make([]client.Result, 50)
		for i := range stalled {
			stalled[i] = conn(client.Held, time.Millisecond, sec(3))
		}
		// quick answers every probe at once; late answers them after the stall
		quick := conns(client.Replied, times(15, 2*time.Millisecond)...)
		late := conns(client.Replied, times(15, sec(1.9))...)
		var ts []Trial
		for _, arm := range []string{"iterative", "forking", "threads", "prefork", "select", "epoll", "goroutines"} {
			probes := quick
			if arm == "iterative" || arm == "prefork" {
				probes = late
			}
			f := observe(e, arm, 1).clients("stalled", stalled...)
			// The probe during the stall: the server alone, or with a
			// process or a thread per stalled client.
			f = f.probeAt("during the stall", false)
			p := f.Steps[len(f.Steps)-1].Probe
			switch arm {
			case "forking":
				for i := 0; i < 50; i++ {
					p.Processes = append(p.Processes, p.Processes[1])
					p.Processes[len(p.Processes)-1].PID, p.Processes[len(p.Processes)-1].PPID = childPID+i, serverPID
				}
			case "threads":
				p.Processes[1].Threads = 51
			}
			ts = append(ts, f.clients("probes", probes...).Trial)
		}
		return ts
	}
	predicted["idle-connections"] = func(e Experiment) []Trial {
		held := func(n int) client.Summary { return client.Summary{Total: 10000, Connected: 10000, KeptOpen: n} }
		probe := conns(client.Replied, 2*time.Millisecond)
		// The host's tasks and files rise, within the limits.
		host := func(f fakeTrial, tasks int) fakeTrial {
			return f.samples(SeriesHostTasks, startTasks, startTasks+tasks, startTasks+2)
		}
		return []Trial{
			host(observe(e, "epoll", 1).summary(held(10000)).probeAt("holding", false).clients("probe", probe...).rssSamples(1, 60).
				socketSample(0, map[string]int{"ESTABLISHED": 10001}), 3).Trial,
			host(observe(e, "uring", 1).summary(held(10000)).probeAt("holding", false).clients("probe", probe...).rssSamples(1, 40), 3).Trial,
			host(observe(e, "goroutines", 1).summary(held(10000)).probeAt("holding", false).clients("probe", probe...).rssSamples(2, 90), 8).Trial,
			host(observe(e, "forking", 1).reaped(1023, 0).logs("fork: EAGAIN (Resource temporarily unavailable)").exited(1).
				summary(held(0)), 1023).Trial,
			host(observe(e, "threads", 1).logs("pthread_create: EAGAIN (Resource temporarily unavailable)").summary(held(1021)), 1022).Trial,
			host(observe(e, "select", 1).logs("select: fd=1024 >= FD_SETSIZE=1024: refused count=1").summary(held(1020)), 1).Trial,
		}
	}
	predicted["blocking-loop"] = func(e Experiment) []Trial {
		return []Trial{
			observe(e, "timer", 1).clients("5 clients at once", conns(client.Replied, sec(1), sec(1), sec(1.01), sec(1), sec(1.02))...).Trial,
			observe(e, "block", 1).clients("5 clients at once", conns(client.Replied, sec(1), sec(2), sec(3.01), sec(4), sec(5))...).Trial,
		}
	}
	predicted["prefork-balance"] = func(e Experiment) []Trial {
		rs := conns(client.Replied, times(400, 5*time.Millisecond)...)
		return []Trial{
			observe(e, "blocking", 1).logs(workerLines(100, 100, 100, 100)...).clients("400", rs...).Trial,
			observe(e, "epoll", 1).logs(workerLines(392, 8, 0, 0)...).clients("400", rs...).Trial,
			observe(e, "reuseport", 1).logs(workerLines(110, 95, 101, 94)...).clients("400", rs...).Trial,
		}
	}
}

var modelCases = []judgeCase{
	// Who answers the probes among stalled clients.
	{"slow-clients", "", nil, Reproduced, nil},
	{"slow-clients", "epoll answers its probes only after the stall", func(ts []Trial) {
		p := find(ts, "epoll", 1)
		p.Steps[len(p.Steps)-1].Clients = conns(client.Replied, times(15, sec(1.9))...)
	}, NotReproduced, []string{`epoll: replied_within(50ms) of "probes" == 15 in every trial`}},
	{"slow-clients", "forking holds the stalled clients in one process", func(ts []Trial) {
		f := find(ts, "forking", 1)
		f.Steps[1].Probe.Processes = f.Steps[1].Probe.Processes[:2]
	}, NotReproduced, []string{"forking: processes(during the stall) >= 51 in every trial"}},
	// Ten thousand idle connections.
	{"idle-connections", "", nil, Reproduced, nil},
	{"idle-connections", "select holds connections past FD_SETSIZE", func(ts []Trial) {
		find(ts, "select", 1).Steps[0].Summary.KeptOpen = 5000
	}, NotReproduced, []string{`select: kept_open of "10000 idle clients" < 1024 in every trial`}},
	{"idle-connections", "epoll drops some", func(ts []Trial) {
		find(ts, "epoll", 1).Steps[0].Summary.KeptOpen = 9000
	}, NotReproduced, []string{`epoll: kept_open of "10000 idle clients" == 10000 in every trial`}},
	// The blocking loop's staircase.
	{"blocking-loop", "", nil, Reproduced, nil},
	{"blocking-loop", "the timer blocks too", func(ts []Trial) {
		find(ts, "timer", 1).Steps[0].Clients = conns(client.Replied, sec(1), sec(2), sec(3), sec(4), sec(5))
	}, NotReproduced, []string{"timer: done_max <= 1.5 in every trial"}},
	// How the workers share the accepts.
	{"prefork-balance", "", nil, Reproduced, nil},
	{"prefork-balance", "epoll spreads them evenly", func(ts []Trial) {
		e := find(ts, "epoll", 1)
		e.Logs = append(e.Logs[:1], workerLines(100, 100, 100, 100)...)
	}, NotReproduced, []string{"epoll: busiest_worker_share > 0.5 in every trial"}},
}

// The load experiments' trials as predicted: cost figures are in µs per
// request, throughput in requests per second.
func init() {
	predicted["throughput"] = func(e Experiment) []Trial {
		var ts []Trial
		for _, a := range e.Arms {
			f := observe(e, a.Name, 1)
			for _, c := range Concurrency {
				var errs int64
				if (a.Name == "iterative/"+KeepAlive || a.Name == "prefork/"+KeepAlive) && c > 4 {
					errs = int64(c) // each starved connection times out once or more
				}
				if a.Name == "forking/"+KeepAlive && c == 256 {
					errs = 120 // the connections the parent has not reached yet
				}
				var rps float64
				var cpu time.Duration // over the 3 s: requests × cost
				switch {
				case strings.HasSuffix(a.Name, "/"+Close) && strings.HasPrefix(a.Name, "forking"):
					rps, cpu = 5000, 15000*100*time.Microsecond // 100 µs per request
				case strings.HasSuffix(a.Name, "/"+Close):
					rps, cpu = 10000, 30000*20*time.Microsecond // 20 µs
				default:
					rps, cpu = 40000, 120000*8*time.Microsecond // 8 µs
				}
				f = f.loadRun(level(c), rps, errs, 1, cpu)
			}
			ts = append(ts, f.Trial)
		}
		return ts
	}
	predicted["latency-under-load"] = func(e Experiment) []Trial {
		var ts []Trial
		for _, a := range e.Arms {
			ts = append(ts, observe(e, a.Name, 1).loadRun("capacity", 10000, 0, 3, 0).
				loadRun("50%", 5000, 0, 0.8, 0).loadRun("90%", 9000, 0, 4, 0).
				editLoad("50%", counted(2, 2)).Trial)
		}
		return ts
	}
	modelCases = append(modelCases,
		judgeCase{"throughput", "", nil, Reproduced, nil},
		judgeCase{"throughput", "epoll loses requests at 256 connections", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "epoll/"+KeepAlive, 1), level(256))
			r.Result.Errors = map[load.Kind]int64{load.Reset: 3}
		}, NotReproduced, []string{"epoll/keep-alive: load_errors(c=256) == 0 in every trial"}},
		judgeCase{"throughput", "a fork costs no more than epoll's accept", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "forking/"+Close, 1), level(64))
			r.After.Cgroup.CPUUser = r.Before.Cgroup.CPUUser + 15000*10*time.Microsecond
			r.After.Cgroup.CPUSystem = r.Before.Cgroup.CPUSystem
		}, NotReproduced, []string{"forking/close: cpu_per_request_us(c=64) / epoll/close's >= 2 in every trial"}},
		judgeCase{"throughput", "the forking parent loses a request at 16 connections", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "forking/"+KeepAlive, 1), level(16))
			r.Result.Errors = map[load.Kind]int64{load.Timeout: 1}
		}, NotReproduced, []string{"forking/keep-alive: load_errors(c=16) == 0 in every trial"}},
		judgeCase{"latency-under-load", "", nil, Reproduced, nil},
		// The tails are measured, not predicted: one that shrinks at 90 %
		// changes no verdict.
		judgeCase{"latency-under-load", "epoll's tail shrinks at 90 %", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "epoll", 1), "90%")
			r.Result.Latency.P99 = 0.5
		}, Reproduced, nil},
		judgeCase{"latency-under-load", "a connect times out at 50 %, and nothing the server was sent is lost", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "prefork", 1), "50%")
			r.Result.Errors = map[load.Kind]int64{load.Connect: 1}
		}, Reproduced, nil},
		judgeCase{"latency-under-load", "prefork leaves a request it was sent unanswered at 50 %", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "prefork", 1), "50%")
			r.Result.Errors = map[load.Kind]int64{load.Connect: 1, load.Timeout: 1}
		}, NotReproduced, []string{"prefork: load_lost(50%) == 0 in every trial"}},
		judgeCase{"latency-under-load", "forking's listen queue drops handshakes at 50 %", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "forking", 1), "50%")
			r.After.Net.ListenDrops += 3
		}, NotReproduced, []string{"forking: listen_drops(50%) == 0 in every trial"}},
	)
}
