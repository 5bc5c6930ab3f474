package experiment

import (
	"strings"
	"testing"
)

// The syscalls experiment's trials as predicted: 3000 requests a traced
// run (1000/s over 3 s), and each model's calls for them, as its code makes
// them.
func init() {
	predicted["syscalls"] = func(e Experiment) []Trial {
		var ts []Trial
		for _, a := range e.Arms {
			keep := strings.HasSuffix(a.Name, "/"+KeepAlive)
			model, _, _ := strings.Cut(a.Name, "/")
			const n = 3000
			calls := map[string]int64{"recvfrom": n, "sendto": n}
			failed := map[string]int64{}
			switch {
			case model == "uring":
				// Every recv and send the kernel's, one enter for a few.
				calls = map[string]int64{"io_uring_enter": n / 4}
			case model == "goroutines":
				calls = map[string]int64{"read": 2 * n, "write": n, "epoll_pwait": n / 20}
				failed["read EAGAIN"] = n
			case model == "select":
				calls["pselect6"] = n / 4
			case model == "epoll":
				calls["epoll_wait"] = n / 4
			}
			if !keep && model == "uring" {
				calls["close"] = n // the multishot accept takes every connection
			} else if !keep {
				calls["accept4"], calls["close"] = n, n
				calls["epoll_ctl"] = 2 * n
				switch model {
				case "forking":
					calls["clone"], calls["wait4"] = n, 2*n
					failed["wait4 ECHILD"] = n / 3
				case "threads":
					calls["clone"], calls["clone3"] = n, n
					failed["clone3 ENOSYS"] = n
				}
			} else {
				calls["epoll_ctl"] = 0
			}
			ts = append(ts, observe(e, a.Name, 1).loadRun("untraced", 10000, 0, 1, 30*1000*8*1000).
				loadRun("traced", 1000, 0, 5, 3000*40*1000).editLoad("traced", traced(calls, failed)).Trial)
		}
		return ts
	}
	modelCases = append(modelCases,
		judgeCase{"syscalls", "", nil, Reproduced, nil},
		judgeCase{"syscalls", "threads counted a refused clone3 as a thread", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "threads/"+Close, 1), "traced")
			r.Syscalls.Failed = nil
		}, NotReproduced, []string{"threads/close: succeeded_per_request(traced: clone+clone3+fork+vfork) <= 1.1 in every trial"}},
		judgeCase{"syscalls", "epoll waits twice per request", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "epoll/"+KeepAlive, 1), "traced")
			r.Syscalls.Calls["epoll_wait"] = 6000
		}, NotReproduced, []string{"epoll/keep-alive: syscalls_per_request(traced: epoll_wait+epoll_pwait+epoll_pwait2+select+pselect6+poll+ppoll) <= 1.1 in every trial",
			"epoll/close: syscalls_per_request(traced: all) / epoll/keep-alive's >= 2 in every trial"}},
		judgeCase{"syscalls", "io_uring reads with recv() itself", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "uring/"+KeepAlive, 1), "traced")
			r.Syscalls.Calls["recvfrom"] = 3000
		}, NotReproduced, []string{"uring/keep-alive: syscalls_per_request(traced: read+recvfrom+recvmsg+readv+write+sendto+sendmsg+writev) < 0.05 in every trial"}},
		judgeCase{"syscalls", "io_uring makes as many calls as epoll", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "uring/"+KeepAlive, 1), "traced")
			r.Syscalls.Calls["io_uring_enter"] = 3000
			r.Syscalls.Calls["futex"] = 3750
		}, NotReproduced, []string{"uring/keep-alive: syscalls_per_request(traced: all) / epoll/keep-alive's < 1 in every trial"}},
		judgeCase{"syscalls", "prefork forks per connection", func(ts []Trial) {
			r, _ := LoadOf(*find(ts, "prefork/"+Close, 1), "traced")
			r.Syscalls.Calls["clone"] = 3000
		}, NotReproduced, []string{"prefork/close: syscalls_per_request(traced: clone+clone3+fork+vfork) < 0.05 in every trial"}},
	)
}

// TestSyscallsPerRequestFollowsNames: a metric of no names counts every
// call, and the arm's record names what it counted.
func TestSyscallsPerRequestArg(t *testing.T) {
	at := Step{Kind: StepLoad, Label: "traced"}
	for _, tt := range []struct {
		m    Metric
		want string
	}{
		{SyscallsPerRequest(at), "traced: all"},
		{SyscallsPerRequest(at, "read", "recvfrom"), "traced: read+recvfrom"},
		{SucceededPerRequest(at, "clone"), "traced: clone"},
	} {
		if tt.m.Arg != tt.want {
			t.Errorf("%s: arg %q, want %q", tt.m.Name, tt.m.Arg, tt.want)
		}
		back, err := DecodeMetric(tt.m.Name, tt.m.Arg, "")
		if err != nil || back.Arg != tt.m.Arg {
			t.Errorf("%s(%s): decoded %q, %v", tt.m.Name, tt.m.Arg, back.Arg, err)
		}
	}
}
