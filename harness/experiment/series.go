package experiment

import (
	"strings"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
)

// Point is one value of a timeline, at a time from the trial's first sample.
type Point struct {
	At    time.Duration `json:"at_ns"`
	Value float64       `json:"value"`
}

// The timelines a trial's samples give (Timeline).
const (
	SeriesZombies   = "zombies"   // zombie children of the server
	SeriesProcesses = "processes" // the server and its descendants
	SeriesThreads   = "threads"
	SeriesFDs       = "fds"        // the server's open descriptors
	SeriesRSS       = "rss_mib"    // resident memory of the specimen's processes
	SeriesMemory    = "memory_mib" // the cgroup's memory charge
	SeriesCPU       = "cpu_pct"    // the cgroup's CPU use, user + system, in % of one core
	SeriesCPUUser   = "cpu_user_pct"
	SeriesCPUSystem = "cpu_system_pct"
	SeriesHostTasks = "host_tasks"
	SeriesHostFiles = "host_files"
	// The sockets of the specimen's port, when the experiment samples
	// them (SampleSockets): the listener's accept queue, and the server's
	// ends of the connections by state ("state:ESTABLISHED", SeriesState).
	SeriesAcceptQueue = "accept_queue"
)

// SeriesState is the timeline of the server's ends of the port's
// connections in the TCP state st (ESTABLISHED, CLOSE_WAIT, SYN_RECV, ...).
func SeriesState(st string) string { return seriesStatePrefix + st }

const seriesStatePrefix = "state:"

// Timeline returns the named series from a trial's samples; samples that
// cannot give it (the server gone, the cgroup unread) are left out.
func Timeline(t Trial, series string) []Point {
	var out []Point
	if len(t.Samples) == 0 {
		return nil
	}
	t0 := t.Samples[0].Taken
	for i, s := range t.Samples {
		v, ok := sampleValue(t.Samples, i, series)
		if ok {
			out = append(out, Point{At: s.Taken.Sub(t0), Value: v})
		}
	}
	return out
}

const mib = 1 << 20

func sampleValue(ss []agent.Sample, i int, series string) (float64, bool) {
	s := ss[i]
	alive := s.Server != 0
	switch series {
	case SeriesZombies:
		return float64(s.Zombies), alive
	case SeriesProcesses:
		return float64(s.Processes), alive
	case SeriesThreads:
		return float64(s.Threads), alive
	case SeriesFDs:
		return float64(s.FDs), alive && s.FDs >= 0
	case SeriesRSS:
		return float64(s.RSS) / mib, alive
	case SeriesHostTasks:
		return float64(s.HostTasks), s.HostTasks > 0
	case SeriesHostFiles:
		return float64(s.HostFiles), s.HostFiles > 0
	case SeriesAcceptQueue:
		if s.Sockets == nil {
			return 0, false
		}
		return float64(s.Sockets.AcceptQueue), true
	case SeriesMemory:
		if s.Cgroup == nil {
			return 0, false
		}
		return float64(s.Cgroup.Memory) / mib, true
	case SeriesCPU, SeriesCPUUser, SeriesCPUSystem:
		// CPU is cumulative: use the rate since the sample before.
		if i == 0 || s.Cgroup == nil || ss[i-1].Cgroup == nil {
			return 0, false
		}
		prev := ss[i-1]
		dt := s.Taken.Sub(prev.Taken)
		if dt <= 0 {
			return 0, false
		}
		user, sys := s.Cgroup.CPUUser-prev.Cgroup.CPUUser, s.Cgroup.CPUSystem-prev.Cgroup.CPUSystem
		used := map[string]time.Duration{SeriesCPU: user + sys, SeriesCPUUser: user, SeriesCPUSystem: sys}[series]
		return 100 * float64(used) / float64(dt), true
	}
	if st, ok := strings.CutPrefix(series, seriesStatePrefix); ok && s.Sockets != nil {
		return float64(s.Sockets.States[st]), true
	}
	return 0, false
}

// Peak returns the largest value of a timeline, or false if it is empty.
func Peak(ps []Point) (float64, bool) {
	if len(ps) == 0 {
		return 0, false
	}
	m := ps[0].Value
	for _, p := range ps[1:] {
		m = max(m, p.Value)
	}
	return m, true
}
