package agent

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Sample is a light look at a specimen, cheap enough to take ten times a
// second during a fork storm: counts, not the process list a Snapshot keeps.
type Sample struct {
	Taken time.Time `json:"taken"`
	// Server is the specimen's main process; 0 once it is gone.
	Server int `json:"server"`
	// Processes counts the server and its descendants, zombies included;
	// Zombies the zombies among the server's children.
	Processes int `json:"processes"`
	Zombies   int `json:"zombies"`
	// Threads sums the threads of those processes.
	Threads int `json:"threads"`
	// FDs is the server's open descriptors (-1: unreadable or gone).
	FDs int `json:"fds"`
	// RSS sums the resident memory of those processes, in bytes.
	RSS       int64 `json:"rss"`
	HostTasks int   `json:"host_tasks"`
	// HostFiles is the host's open file handles (/proc/sys/fs/file-nr,
	// which no namespace confines): whether a descriptor storm stayed
	// inside its containers' limits.
	HostFiles int `json:"host_files"`
	// Net is the network namespace's listen-queue counters; nil when
	// unreadable.
	Net *Net `json:"net,omitempty"`
	// Sockets is the specimen's port's sockets, when the sampler was
	// given the port; nil otherwise, or when unreadable.
	Sockets *Sockets `json:"sockets,omitempty"`
	// Cgroup is the specimen's cgroup, read through the server's root;
	// nil when it cannot be read (the server is gone, or no cgroup fs).
	Cgroup *Cgroup `json:"cgroup,omitempty"`
}

// DefaultSampleEvery is how often a trial samples its specimen.
const DefaultSampleEvery = time.Second

// TakeSample samples the specimen whose main process is called comm (see
// Snapshot.Server), reading procfs at root; with a port (not 0), also the
// sockets of that port.
func TakeSample(root, comm string, port int) Sample {
	s := Sample{Taken: time.Now(), FDs: -1}
	snap, err := readStats(root)
	if err != nil {
		return s
	}
	if b, err := os.ReadFile(filepath.Join(root, "loadavg")); err == nil {
		s.HostTasks = parseLoadavgTasks(b)
	}
	if b, err := os.ReadFile(filepath.Join(root, "sys", "fs", "file-nr")); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			s.HostFiles, _ = strconv.Atoi(f[0])
		}
	}
	s.Net, _ = readNet(root)
	if port != 0 {
		s.Sockets = readSockets(root, port)
	}
	srv, ok := snap.Server(comm)
	if !ok {
		return s
	}
	s.Server = srv.PID
	for _, p := range snap.Tree(srv.PID) {
		s.Processes++
		s.Threads += p.Threads
		s.RSS += p.RSS
		if p.PPID == srv.PID && p.Zombie() {
			s.Zombies++
		}
	}
	if fds, err := os.ReadDir(filepath.Join(root, strconv.Itoa(srv.PID), "fd")); err == nil {
		s.FDs = len(fds)
	}
	if cg, err := ReadCgroup(CgroupDir(root, srv.PID)); err == nil {
		s.Cgroup = &cg
	}
	return s
}

// readStats is a snapshot of every process's stat line alone: what a
// sample counts, without the status, limits and descriptors Read adds.
func readStats(root string) (Snapshot, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return Snapshot{}, err
	}
	var procs []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "stat"))
		if err != nil {
			continue
		}
		p := Process{PID: pid}
		if parseStat(b, &p) == nil {
			procs = append(procs, p)
		}
	}
	return Snapshot{Processes: procs}, nil
}

// TreePIDs returns the PIDs of the specimen whose main process is called
// comm and of its descendants, zombies left out (nothing to trace there);
// none when it is not running.
func TreePIDs(root, comm string) []int {
	snap, err := readStats(root)
	if err != nil {
		return nil
	}
	srv, ok := snap.Server(comm)
	if !ok {
		return nil
	}
	var out []int
	for _, p := range snap.Tree(srv.PID) {
		if !p.Zombie() {
			out = append(out, p.PID)
		}
	}
	return out
}

// Watch calls fn with a sample every interval, the first at once, until ctx
// is done or for has passed (a sampler is always bounded).
func Watch(ctx context.Context, root, comm string, port int, every, bound time.Duration, fn func(Sample) error) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if err := fn(TakeSample(root, comm, port)); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
