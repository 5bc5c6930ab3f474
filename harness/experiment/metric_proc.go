package experiment

import (
	"errors"
	"fmt"
	"slices"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/catalogue"
)

// lastProbe is the snapshot of the trial's last probe step.
func lastProbe(t Trial) (*agent.Snapshot, error) {
	for i := len(t.Steps) - 1; i >= 0; i-- {
		if t.Steps[i].Probe != nil {
			return t.Steps[i].Probe, nil
		}
	}
	return nil, errors.New("no probe step ran")
}

// probeLabelled is the snapshot of the probe step called label.
func probeLabelled(t Trial, label string) (*agent.Snapshot, error) {
	for _, s := range t.Steps {
		if s.Label == label && s.Probe != nil {
			return s.Probe, nil
		}
	}
	return nil, fmt.Errorf("no probe step %q ran", label)
}

// server is the specimen's main process in p.
func server(t Trial, p *agent.Snapshot) (agent.Process, error) {
	srv, ok := p.Server(t.Comm)
	if !ok {
		return srv, fmt.Errorf("no %s process in the probe", t.Comm)
	}
	return srv, nil
}

// Zombies counts the zombie children of the specimen at the last probe.
func Zombies() Metric {
	return newMetric("zombies", "", func(t Trial) (float64, error) {
		p, err := lastProbe(t)
		if err != nil {
			return 0, err
		}
		srv, err := server(t, p)
		if err != nil {
			return 0, err
		}
		return float64(len(p.Zombies(srv.PID))), nil
	})
}

// FDsAtStart is the descriptors the specimen had open once it listened.
func FDsAtStart() Metric { return newMetric("fds_at_start", "", fdsAtStart) }

func fdsAtStart(t Trial) (float64, error) {
	if t.Start == nil {
		return 0, errors.New("no start probe")
	}
	srv, err := server(t, t.Start)
	if err != nil {
		return 0, err
	}
	if srv.FDs < 0 {
		return 0, errors.New("the specimen's descriptors could not be read")
	}
	return float64(srv.FDs), nil
}

// FDsGrowth is how far the server's descriptors climbed above where they
// started, over every sample: the parent that keeps each client socket
// (3d) climbs to its limit, the one that closes them (3c) stays flat.
func FDsGrowth() Metric { return newMetric("fds_growth", "", fdsGrowth) }

func fdsGrowth(t Trial) (float64, error) {
	start, err := fdsAtStart(t)
	if err != nil {
		return 0, err
	}
	peak := -1
	for _, s := range t.Samples {
		peak = max(peak, s.FDs)
	}
	if peak < 0 {
		return 0, errors.New("no sample read the server's descriptors")
	}
	return float64(peak) - start, nil
}

// LiveChildren counts the children of the server that are not zombies, at
// the probe step at.
func LiveChildren(at Step) Metric {
	return newMetric("live_children", at.Label, func(t Trial) (float64, error) {
		p, err := probeLabelled(t, at.Label)
		if err != nil {
			return 0, err
		}
		srv, err := server(t, p)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, c := range p.Children(srv.PID) {
			if !c.Zombie() {
				n++
			}
		}
		return float64(n), nil
	}, at)
}

// HoldsClientSocket is 1 if, at the probe step at, the server holds the
// socket of the first client's connection: see holdsClientSocket.
func HoldsClientSocket(at Step) Metric {
	return newMetric("holds_client_socket", at.Label, func(t Trial) (float64, error) { return holdsClientSocket(t, at.Label) }, at)
}

// holdsClientSocket looks for the server's end of the first client's
// connection (the /proc/net/tcp row from the specimen's port to the
// client's) among the server's own descriptors, by socket inode. A parent
// that kept its copy (3d) holds it after its child exited; one that closed
// it (3c) does not, and the kernel shows the socket orphaned (inode 0).
func holdsClientSocket(t Trial, label string) (float64, error) {
	p, err := probeLabelled(t, label)
	if err != nil {
		return 0, err
	}
	srv, err := server(t, p)
	if err != nil {
		return 0, err
	}
	rs := Results(t)
	if len(rs) == 0 {
		return 0, errNoClients
	}
	if rs[0].LocalPort == 0 {
		return 0, errors.New("the client's port was not recorded")
	}
	conn, ok := p.ServerSide(catalogue.Port, rs[0].LocalPort)
	if !ok {
		return 0, fmt.Errorf("no connection from port %d in the probe", rs[0].LocalPort)
	}
	if conn.Inode != 0 && slices.Contains(srv.Sockets, conn.Inode) {
		return 1, nil
	}
	return 0, nil
}

// PidsRefused is what the pids cgroup counted at the last sample that read
// it: its own record of forks it refused.
func PidsRefused() Metric {
	return newMetric("pids_refused", "", func(t Trial) (float64, error) {
		for i := len(t.Samples) - 1; i >= 0; i-- {
			if cg := t.Samples[i].Cgroup; cg != nil {
				return float64(cg.PidsRefused), nil
			}
		}
		return 0, errors.New("no sample read the specimen's cgroup")
	})
}

// HostTasksGrowth is the host-wide tasks at the last probe minus at start.
func HostTasksGrowth() Metric {
	return newMetric("host_tasks_growth", "", func(t Trial) (float64, error) {
		p, err := lastProbe(t)
		if err != nil {
			return 0, err
		}
		if t.Start == nil || t.Start.HostTasks == 0 || p.HostTasks == 0 {
			return 0, errors.New("host task counts not read")
		}
		return float64(p.HostTasks - t.Start.HostTasks), nil
	})
}

// HostTasksPeakGrowth is the host-wide tasks at their peak over the samples
// minus at start.
func HostTasksPeakGrowth() Metric {
	return newMetric("host_tasks_peak_growth", "", hostTasksPeakGrowth)
}

func hostTasksPeakGrowth(t Trial) (float64, error) {
	if t.Start == nil || t.Start.HostTasks == 0 {
		return 0, errors.New("host task count not read at start")
	}
	peak := 0
	for _, s := range t.Samples {
		peak = max(peak, s.HostTasks)
	}
	if peak == 0 {
		return 0, errors.New("no sample read the host's task count")
	}
	return float64(peak - t.Start.HostTasks), nil
}

// HostFilesPeakGrowth is how far the host's open file handles rose over the
// trial's first sample, at their peak: a descriptor storm's footprint on the
// whole machine.
func HostFilesPeakGrowth() Metric {
	return newMetric("host_files_peak_growth", "", hostFilesPeakGrowth)
}

func hostFilesPeakGrowth(t Trial) (float64, error) {
	first, peak := 0, 0
	for _, s := range t.Samples {
		if s.HostFiles == 0 {
			continue
		}
		if first == 0 {
			first = s.HostFiles
		}
		peak = max(peak, s.HostFiles)
	}
	if first == 0 {
		return 0, errors.New("no sample read the host's file handles")
	}
	return float64(peak - first), nil
}

// SocketsPeak is the most sockets of the specimen's port the sampler saw
// at once in the series (SeriesAcceptQueue, or SeriesState(st)): the
// accept queue full, the connections held.
func SocketsPeak(series string) Metric {
	return newMetric("sockets_peak", series, func(t Trial) (float64, error) {
		v, ok := Peak(Timeline(t, series))
		if !ok {
			return 0, errors.New("no sample counted the port's sockets")
		}
		return v, nil
	})
}
