package experiment

import (
	"fmt"
	"github.com/serverlab/serverlab/harness/corpus"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/load"
)

// noValue marks a row whose metric must fail to give a value.
const noValue = -1e9

func TestMetrics(t *testing.T) {
	forking := fake("forking")
	// Three connections of a step: two replied, one timed out.
	three := forking.clients("3", conn(client.Replied, time.Millisecond, sec(1)),
		conn(client.Replied, 499*time.Millisecond, sec(3)), conn(client.TimedOut, 0, sec(2)))
	// A staircase a bit off: ends at 1.1, 2 and 3.2 s.
	stairs := forking.clients("3", conns(client.Replied, sec(3.2), sec(1.1), sec(2))...)
	// The handshakes: fast, at the bound, slow, never.
	handshakes := forking.clients("4", conn(client.Replied, 499*time.Millisecond, sec(1)),
		conn(client.Replied, 500*time.Millisecond, sec(1)), conn(client.Replied, sec(1.5), sec(2)),
		conn(client.TimedOut, 0, sec(3)), conn(client.TimedOut, 0, sec(3)))
	// The server's EMFILE, then lines of its children and a blank line.
	emfile := forking.logs("accept fd=4", "fork child=101", "accept: EMFILE (Too many open files)",
		"reply status=200 path=/hello pid=101", " reply status=200 path=/hello pid=102", "")
	// The iterative server replies itself: its own pid on the last line.
	iterative := fake("iterative").logs("accept fd=4", fmt.Sprintf("reply status=200 path=/hello pid=%d", serverPID))
	noStart := emfile
	noStart.Start = nil
	// 252 accepts against nofile 256 and 4 descriptors at start.
	accepts := forking
	accepts.Limits.NoFile = 256
	for i := 0; i < 252; i++ {
		accepts = accepts.logs(fmt.Sprintf("accept fd=%d", i+4))
	}
	// 299 forks against nproc 400 and pids 300.
	forks := forking
	forks.Limits.NProc, forks.Limits.Pids = 400, 300
	for i := 0; i < 299; i++ {
		forks = forks.logs(fmt.Sprintf("fork child=%d", childPID+i))
	}
	// The server gone from the last probe.
	gone := forking.probe(2)
	gone.Steps[0].Probe.Processes[1].PPID = 1

	tests := []struct {
		metric string
		arg    string
		trial  fakeTrial
		want   float64 // noValue: an error
	}{
		// Connections whose outcome is arg.
		{"outcome", "replied", three, 2},
		{"outcome", "timed-out", three, 1},
		{"outcome", "refused", three, 0},
		// No client step: no outcome to count.
		{"outcome", "replied", forking, noValue},
		{"connections", "", three, 3},
		{"connections", "", forking, noValue},
		// Across every client step.
		{"connections", "", three.clients("more", conns(client.Replied, sec(1))...), 4},
		{"done_max", "", three, 3},
		{"done_min", "", three, 1},
		{"done_max", "", forking, noValue},
		// Off by at most 0.2 s against a 1 s step, whatever the order.
		{"staircase", "1s", stairs, 0.2},
		// Flat: the third ends 2 steps early.
		{"staircase", "1s", forking.clients("3", conns(client.Replied, sec(1), sec(1), sec(1))...), 2},
		// Against a 2 s step the 1 s ends are off by half a step.
		{"staircase", "2s", forking.clients("2", conns(client.Replied, sec(1), sec(3))...), 0.5},
		{"staircase", "", stairs, noValue},
		{"staircase", "0s", stairs, noValue},
		{"staircase", "-1s", stairs, noValue},
		{"staircase", "one second", stairs, noValue},
		{"staircase", "1s", forking, noValue},
		// Strictly within the bound, and connected at all.
		{"connected_within", "500ms", handshakes, 1},
		{"connected_within", "2s", handshakes, 3},
		{"connected_within", "soon", handshakes, noValue},
		{"connected_within", "500ms", forking, noValue},
		{"unconnected", "", handshakes, 2},
		{"unconnected", "", forking, noValue},
		{"running", "", forking, 1},
		{"running", "", forking.exited(1), 0},
		{"exit_code", "", forking.exited(1), 1},
		{"exit_code", "", forking.exited(0), 0},
		// Still running: no exit status yet.
		{"exit_code", "", forking, noValue},
		{"log_contains", "EMFILE", emfile, 1},
		{"log_contains", "EINTR", emfile, 0},
		// The server's own last line, past its children's and a blank one.
		{"last_log_contains", "accept: EMFILE", emfile, 1},
		{"last_log_contains", "reply", emfile, 0},
		// A line with the server's own pid counts.
		{"last_log_contains", "reply", iterative, 1},
		// Without a start probe the server is unknown: the last line counts.
		{"last_log_contains", "accept: EMFILE", noStart, 0},
		{"last_log_contains", "reply", noStart, 1},
		// Nothing logged at all.
		{"last_log_contains", "x", func() fakeTrial { f := forking; f.Logs = nil; return f }(), noValue},
		// Lines that start with arg, not those that contain it.
		{"log_count", "accept fd=", emfile, 1},
		{"log_count", "reply", emfile, 1},
		{"log_count", "EMFILE", emfile, 0},
		{"log_count", "accept fd=", accepts, 252},
		// Zombie children of the server: not its live child, not the agent's zombie.
		{"zombies", "", forking.probe(3), 3},
		{"zombies", "", forking.probe(0), 0},
		// The last probe counts.
		{"zombies", "", forking.probe(3).probe(5), 5},
		{"zombies", "", forking, noValue},
		{"zombies", "", gone, noValue},
		{"fds_at_start", "", forking, 4},
		{"fds_at_start", "", noStart, noValue},
		{"fds_at_start", "", withStart(forking, func(s *agent.Snapshot) { s.Processes[1].FDs = -1 }), noValue},
		{"fds_at_start", "", withStart(forking, func(s *agent.Snapshot) { s.Processes[1].Comm = "iterative" }), noValue},
		// 252 accepts = 256 - 4.
		{"emfile_margin", "", accepts, 0},
		{"emfile_margin", "", accepts.logs("accept fd=999"), 1},
		{"emfile_margin", "", forking, -(catalogue.DefaultNoFile - 4)},
		{"emfile_margin", "", noStart, noValue},
		// 299 forks = pids 300 - 1; nproc 400 leaves 100 more.
		{"process_limit_margin", "pids", forks, 0},
		{"process_limit_margin", "nproc", forks, -100},
		{"process_limit_margin", "pids", forks.logs("fork child=999", "fork child=1000"), 2},
		{"process_limit_margin", "pids", forking, -(catalogue.DefaultPids - 1)},
		// Which limit: there is no default.
		{"process_limit_margin", "", forks, noValue},
		{"process_limit_margin", "ulimit", forks, noValue},
		// forks - reaps - children at the last probe (a live child and 3 zombies)
		{"log_zombie_gap", "", forking.reaped(4, 0).probe(3), 0},
		{"log_zombie_gap", "", forking.reaped(4, 1).probe(3), -1},
		{"log_zombie_gap", "", forking.reaped(6, 0).probe(3), 2},
		{"log_zombie_gap", "", forking.reaped(4, 0), noValue},
		// The peak over the samples, against the start.
		{"fds_growth", "", forking.samples(SeriesFDs, 4, 90, 250, 3), 246},
		{"fds_growth", "", forking.samples(SeriesFDs, 4, 4), 0},
		{"fds_growth", "", forking, noValue},
		{"fds_growth", "", noStart.samples(SeriesFDs, 4), noValue},
		// No sample read the descriptors (the server gone).
		{"fds_growth", "", forking.samples(SeriesFDs, -1, -1), noValue},
		{"host_tasks_peak_growth", "", forking.samples(SeriesHostTasks, startTasks, startTasks+300, startTasks+2), 300},
		{"host_tasks_peak_growth", "", forking, noValue},
		// the host's open files at their peak, over the first sample
		{"host_files_peak_growth", "", forking.samples(SeriesFDs, 4, 4), 0},
		{"host_files_peak_growth", "", forking, noValue},
		{"host_tasks_peak_growth", "", noStart.samples(SeriesHostTasks, 500), noValue},
		// Children that are not zombies, at the probe of that label.
		{"live_children", "during", forking.probeAt("during", true), 0},
		{"live_children", "after", forking.probe(2).relabel("after"), 1},
		{"live_children", "nope", forking.probe(2), noValue},
		// The server's end of the client's connection among its sockets.
		{"holds_client_socket", "during", forking.probeAt("during", true).clients("1", conn(client.NoEOF, time.Millisecond, sec(3))), 1},
		{"holds_client_socket", "during", forking.probeAt("during", false).clients("1", conn(client.Replied, time.Millisecond, sec(0.01))), 0},
		// No client, or no such probe.
		{"holds_client_socket", "during", forking.probeAt("during", true), noValue},
		{"holds_client_socket", "later", forking.probeAt("during", true).clients("1", conn(client.NoEOF, time.Millisecond, sec(3))), noValue},
		// A client that never connected has no port to match.
		{"holds_client_socket", "during", forking.probeAt("during", true).clients("1", conn(client.TimedOut, 0, sec(3))), noValue},
		// Replied, and whole within the bound.
		{"replied_within", "50ms", forking.clients("p", conn(client.Replied, time.Millisecond, 10*time.Millisecond),
			conn(client.Replied, time.Millisecond, sec(2)), conn(client.TimedOut, time.Millisecond, 10*time.Millisecond)), 1},
		{"replied_within", "soon", three, noValue},
		{"replied_within", "50ms", forking, noValue},
		// A summary keeps no timings.
		{"replied_within", "50ms", forking.summary(client.Summary{Total: 5}), noValue},
		// Replied without the server's EOF: kept open; a summary's count adds.
		{"kept_open", "", forking.clients("k", conn(client.Replied, time.Millisecond, sec(1)),
			func() client.Result { r := conn(client.Replied, time.Millisecond, sec(1)); r.EOF = true; return r }()), 1},
		{"kept_open", "", forking.summary(client.Summary{Total: 10, KeptOpen: 9}), 9},
		{"kept_open", "", forking, noValue},
		// The server, its live child and its zombies, at the probe of that label.
		{"processes", "after", forking.probe(3), 5},
		{"processes", "nope", forking.probe(3), noValue},
		// Threads summed over the tree: the server's 1, the child's 1.
		{"threads", "after", forking.probe(0), 2},
		{"threads", "after", withThreads(forking.probe(0), 51), 52},
		// Accepts per worker from prefork's log.
		{"busiest_worker_share", "", fake("prefork").logs(workerLines(3, 1, 0, 0)...), 0.75},
		{"busiest_worker_share", "", fake("prefork").logs(workerLines(1, 1, 1, 1)...), 0.25},
		{"busiest_worker_share", "", forking, noValue},
		{"workers_accepting", "", fake("prefork").logs(workerLines(3, 1, 0, 0)...), 2},
		{"workers_accepting", "", forking, 0},
		// Growth over the first sample, per connection kept open, in KiB.
		{"rss_per_conn_kib", "10000 idle clients", forking.rssSamples(1, 11).summary(client.Summary{KeptOpen: 1024}), 10},
		{"rss_per_conn_kib", "10000 idle clients", forking.rssSamples(1, 11), noValue},
		{"rss_per_conn_kib", "10000 idle clients", forking.rssSamples(1, 11).summary(client.Summary{}), noValue},
		{"rss_per_conn_kib", "10000 idle clients", forking.summary(client.Summary{KeptOpen: 3}), noValue},
		{"memory_per_conn_kib", "10000 idle clients", forking.memorySamples(100, 120).summary(client.Summary{KeptOpen: 2048}), 10},
		{"memory_per_conn_kib", "10000 idle clients", forking.rssSamples(1, 11).summary(client.Summary{KeptOpen: 1024}), noValue},
		// The WSGI server's reply and environ, for the body arg.
		{"wsgi_failures", "Hello world from Flask!\n", forking.clients(StepHello1, wsgiReply(200, "text/plain", "Hello world from Flask!\n")).
			clients(StepEnviron, wsgiReply(200, "application/json", environJSON(false))).clients(StepNotFound, wsgiReply(404, "text/html", "x")), 0},
		// Another body, and no environ step: two failures.
		{"wsgi_failures", "Hello world from Django!\n", forking.clients(StepHello1, wsgiReply(200, "text/plain", "Hello world from Flask!\n")).
			clients(StepNotFound, wsgiReply(404, "text/html", "x")), 2},
		{"wsgi_failures", "x", forking, noValue},
		// The hostile corpus: cases, answers not allowed, and crashes (a case
		// after which the specimen did not answer, and its death at the end).
		{"hostile_cases", "", forking.hostile(), float64(len(corpus.Cases()))},
		{"hostile_cases", "", forking, noValue},
		{"hostile_violations", "", forking.hostile(), 0},
		{"hostile_violations", "", forking, noValue},
		{"hostile_crashes", "", forking.hostile(), 0},
		{"hostile_crashes", "", forking.hostile().exited(139), 1},
		{"hostile_crashes", "", forking, noValue},
		// A load step's figures, by its label.
		{"rps", "c=64", forking.loadRun("c=64", 1000, 0, 2, 5*time.Millisecond), 1000},
		{"rps", "c=4", forking.loadRun("c=64", 1000, 0, 2, 5*time.Millisecond), noValue},
		{"load_errors", "c=64", forking.loadRun("c=64", 1000, 7, 2, 5*time.Millisecond), 7},
		// 7 response timeouts and 3 connects that never completed.
		{"load_lost", "50%", forking.loadRun("50%", 500, 7, 2, 0).editLoad("50%", func(r *LoadRun) { r.Result.Errors[load.Connect] = 3 }), 7},
		{"load_lost", "c=4", forking.loadRun("50%", 500, 7, 2, 0), noValue},
		{"listen_drops", "50%", forking.loadRun("50%", 500, 0, 2, 0).editLoad("50%", func(r *LoadRun) {
			r.Before.Net, r.After.Net = &agent.Net{ListenDrops: 4}, &agent.Net{ListenDrops: 9}
		}), 5},
		{"listen_drops", "50%", forking.loadRun("50%", 500, 0, 2, 0), noValue},
		{"listen_drops", "50%", forking.loadRun("50%", 500, 0, 2, -1), noValue},
		{"p99_ms", "c=64", forking.loadRun("c=64", 1000, 0, 2.5, 5*time.Millisecond), 2.5},
		{"p99_ms", "c=64", forking.loadRun("c=64", 0, 5, 0, 0), noValue},
		// 3000 requests (1000/s over 3 s) cost 15 ms of CPU: 5 µs each.
		{"cpu_per_request_us", "c=64", forking.loadRun("c=64", 1000, 0, 2, 15*time.Millisecond), 5},
		// The cgroup not read around the run.
		{"cpu_per_request_us", "c=64", forking.loadRun("c=64", 1000, 0, 2, -1), noValue},
		{"p99_growth", "90% over 50%", forking.loadRun("50%", 500, 0, 2, 0).loadRun("90%", 900, 0, 5, 0), 2.5},
		{"p99_growth", "90%", forking.loadRun("50%", 500, 0, 2, 0).loadRun("90%", 900, 0, 5, 0), noValue},
		{"p99_growth", "90% over 50%", forking.loadRun("90%", 900, 0, 5, 0), noValue},
		// System calls per request: 3000 requests (1000/s over 3 s).
		{"syscalls_per_request", "traced: recvfrom", forking.loadRun("traced", 1000, 0, 2, 0).editLoad("traced", traced(map[string]int64{"recvfrom": 3000, "sendto": 3000, "epoll_wait": 1500}, nil)), 1},
		{"syscalls_per_request", "traced: epoll_wait+epoll_pwait", forking.loadRun("traced", 1000, 0, 2, 0).editLoad("traced", traced(map[string]int64{"recvfrom": 3000, "epoll_wait": 1500}, nil)), 0.5},
		{"syscalls_per_request", "traced: all", forking.loadRun("traced", 1000, 0, 2, 0).editLoad("traced", traced(map[string]int64{"recvfrom": 3000, "sendto": 3000}, nil)), 2},
		{"syscalls_per_request", "traced: recvfrom", forking.loadRun("traced", 1000, 0, 2, 0), noValue}, // not traced
		{"syscalls_per_request", "traced", forking.loadRun("traced", 1000, 0, 2, 0), noValue},           // no names
		// A clone3 refused (ENOSYS) and the clone after it: one thread each.
		{"succeeded_per_request", "traced: clone+clone3", forking.loadRun("traced", 1000, 0, 2, 0).editLoad("traced",
			traced(map[string]int64{"clone": 3000, "clone3": 3000}, map[string]int64{"clone3 ENOSYS": 3000})), 1},
		{"succeeded_per_request", "traced: clone+clone3", forking.loadRun("traced", 0, 5, 0, 0).editLoad("traced", traced(map[string]int64{"clone": 3}, nil)), noValue},
		// What tracing cost: 5 µs a request untraced, 20 traced.
		{"cpu_traced_over_untraced", "traced over untraced", forking.loadRun("untraced", 1000, 0, 2, 15*time.Millisecond).loadRun("traced", 1000, 0, 2, 60*time.Millisecond), 4},
		{"cpu_traced_over_untraced", "traced", forking.loadRun("traced", 1000, 0, 2, 60*time.Millisecond), noValue},
		// The most sockets a sample counted.
		{"sockets_peak", "accept_queue", forking.socketSample(3, nil).socketSample(6, nil).socketSample(2, nil), 6},
		{"sockets_peak", "state:CLOSE_WAIT", forking.socketSample(0, map[string]int{"ESTABLISHED": 1}).socketSample(0, map[string]int{"CLOSE_WAIT": 1}), 1},
		{"sockets_peak", "accept_queue", forking.samples(SeriesFDs, 4), noValue},
		// The pids cgroup's own count, at the last sample that read it.
		{"pids_refused", "", forking.cgroupSample(0).cgroupSample(7), 7},
		{"pids_refused", "", forking.samples(SeriesFDs, 4), noValue},
		{"host_tasks_growth", "", forking.probe(0), 2},
		{"host_tasks_growth", "", forking, noValue},
		{"host_tasks_growth", "", withStart(forking.probe(0), func(s *agent.Snapshot) { s.HostTasks = 0 }), noValue},
		{"host_tasks_growth", "", func() fakeTrial { f := forking.probe(0); f.Start = nil; return f }(), noValue},
		{"conformance_failures", "", forking.hello(date1, date2), 0},
		// The same Date twice.
		{"conformance_failures", "", forking.hello(date1, date1), 1},
		{"conformance_failures", "", forking, noValue},
	}
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[tt.metric] = true
		if _, ok := metrics[tt.metric]; !ok {
			t.Errorf("%s: got no such metric", tt.metric)
			continue
		}
		// A parameter the metric cannot take fails as the record is read.
		m, err := DecodeMetric(tt.metric, tt.arg, "")
		var got float64
		if err == nil {
			got, err = m.Of(tt.trial.Trial)
		}
		switch {
		case tt.want == noValue && err == nil:
			t.Errorf("%s(%q): got %g, want an error", tt.metric, tt.arg, got)
		case tt.want != noValue && err != nil:
			t.Errorf("%s(%q): got %v, want %g", tt.metric, tt.arg, err, tt.want)
		case tt.want != noValue && !near(got, tt.want):
			t.Errorf("%s(%q): got %g, want %g", tt.metric, tt.arg, got, tt.want)
		}
	}
	for name, m := range metrics {
		if !tested[name] {
			t.Errorf("%s: got no row, want every metric tested", name)
		}
		if m.doc == "" || MetricDoc(name) != m.doc {
			t.Errorf("%s: got doc %q, want one", name, MetricDoc(name))
		}
	}
}

// withStart returns f with a copy of its start probe changed by change.
func withStart(f fakeTrial, change func(*agent.Snapshot)) fakeTrial {
	s := *f.Start
	s.Processes = append([]agent.Process(nil), s.Processes...)
	change(&s)
	f.Start = &s
	return f
}

// near says whether a and b agree to a nanosecond's worth of seconds.
func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
