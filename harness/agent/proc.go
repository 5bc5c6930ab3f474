// Package agent is what runs beside a specimen, inside its network and PID
// namespaces: the clients dial 127.0.0.1 there, and the probes read /proc
// there, where zombies and descriptors are visible (docker top shows neither).
package agent

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Process is one task seen in /proc.
type Process struct {
	PID     int    `json:"pid"`
	PPID    int    `json:"ppid"`
	Comm    string `json:"comm"`
	State   string `json:"state"` // one letter: R, S, D, Z (zombie), T, ...
	UID     int    `json:"uid"`   // -1 where /proc/<pid>/status could not be read
	Threads int    `json:"threads"`
	// FDs is the number of open descriptors, or -1 where /proc/<pid>/fd
	// could not be read (a zombie has none left to read).
	FDs int `json:"fds"`
	// NoFile and NProc are the soft limits in force, as the kernel reports
	// them in /proc/<pid>/limits (-1: unlimited or unread).
	NoFile int64 `json:"nofile"`
	NProc  int64 `json:"nproc"`
	// CapEff is the effective capability set, hex as /proc/<pid>/status
	// writes it ("0000000000000000": none); "" where unread.
	CapEff string `json:"cap_eff,omitempty"`
	// NoNewPrivs says whether the process can never gain privileges
	// (prctl PR_SET_NO_NEW_PRIVS, Docker's no-new-privileges).
	NoNewPrivs bool `json:"no_new_privs,omitempty"`
	// RSS is the resident set in bytes (0 for a zombie).
	RSS int64 `json:"rss"`
	// Cmdline is the command line, arguments joined by spaces, as ps shows
	// it; empty for a zombie, whose memory is gone.
	Cmdline string `json:"cmdline,omitempty"`
	// Sockets are the inodes of the sockets among its descriptors: the
	// link between a process and a connection in /proc/net/tcp.
	Sockets []uint64 `json:"sockets,omitempty"`
}

// Zombie says whether the process has exited and waits to be reaped.
func (p Process) Zombie() bool { return p.State == "Z" }

// Snapshot is every process in the PID namespace at one moment.
type Snapshot struct {
	Taken     time.Time `json:"taken"`
	Processes []Process `json:"processes"`
	// Somaxconn is net.core.somaxconn in this network namespace: the
	// kernel's cap on every listen() backlog.
	Somaxconn int `json:"somaxconn"`
	// HostTasks counts every process and thread on the whole host, from
	// /proc/loadavg, which no namespace confines: it shows whether a fork
	// storm stayed inside its container's limits.
	HostTasks int `json:"host_tasks"`
	// TCP lists the connections of the network namespace to or from the
	// specimens' port, each with the inode of its socket.
	TCP []TCPConn `json:"tcp,omitempty"`
	// CPUModel is the engine's CPU, as its kernel's /proc/cpuinfo names
	// it: the machine the specimen runs on, which on Docker Desktop or a
	// remote engine is not the one the harness runs on.
	CPUModel string `json:"cpu_model,omitempty"`
}

// Read takes a snapshot of the processes under root (normally /proc); with
// a port, also of the TCP connections to or from it and of each process's
// socket inodes. Processes that exit while it reads are skipped.
func Read(root string, port int) (Snapshot, error) {
	s := Snapshot{Taken: time.Now()}
	entries, err := os.ReadDir(root)
	if err != nil {
		return s, fmt.Errorf("read %s: %w", root, err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, err := readProcess(filepath.Join(root, e.Name()), pid, port != 0)
		if err != nil {
			continue // gone between ReadDir and here
		}
		s.Processes = append(s.Processes, p)
	}
	sort.Slice(s.Processes, func(i, j int) bool { return s.Processes[i].PID < s.Processes[j].PID })
	if b, err := os.ReadFile(filepath.Join(root, "sys/net/core/somaxconn")); err == nil {
		s.Somaxconn, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if b, err := os.ReadFile(filepath.Join(root, "loadavg")); err == nil {
		s.HostTasks = parseLoadavgTasks(b)
	}
	s.TCP = readTCP(root, port)
	if b, err := os.ReadFile(filepath.Join(root, "cpuinfo")); err == nil {
		s.CPUModel = parseCPUModel(b)
	}
	return s, nil
}

// parseCPUModel returns the first "model name" of /proc/cpuinfo (x86), or
// else its first "CPU part"-less description an arm64 kernel gives
// ("Hardware", "Model"), or "".
func parseCPUModel(b []byte) string {
	first := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if ok && v != "" && first[k] == "" {
			first[k] = v
		}
	}
	for _, k := range []string{"model name", "Model", "Hardware"} {
		if first[k] != "" {
			return first[k]
		}
	}
	return ""
}

// socketInodes returns the inodes of the descriptors in dir that are
// sockets: their link reads "socket:[inode]".
func socketInodes(dir string, fds []os.DirEntry) []uint64 {
	var out []uint64
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil {
			continue
		}
		if rest, ok := strings.CutPrefix(link, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// parseLoadavgTasks returns the total of "running/total", the fourth field
// of /proc/loadavg, or 0.
func parseLoadavgTasks(b []byte) int {
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return 0
	}
	_, total, ok := strings.Cut(f[3], "/")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(total)
	return n
}

// readProcess reads one process; with sockets, also its socket inodes.
func readProcess(dir string, pid int, sockets bool) (Process, error) {
	p := Process{PID: pid, UID: -1, FDs: -1}
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return p, err
	}
	if err := parseStat(stat, &p); err != nil {
		return p, err
	}
	if status, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
		p.UID = parseUID(status)
		p.CapEff = statusField(status, "CapEff")
		p.NoNewPrivs = statusField(status, "NoNewPrivs") == "1"
	}
	if fds, err := os.ReadDir(filepath.Join(dir, "fd")); err == nil {
		p.FDs = len(fds)
		if sockets {
			p.Sockets = socketInodes(filepath.Join(dir, "fd"), fds)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		p.Cmdline = strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	}
	p.NoFile, p.NProc = -1, -1
	if limits, err := os.ReadFile(filepath.Join(dir, "limits")); err == nil {
		p.NoFile = parseLimit(limits, "Max open files")
		p.NProc = parseLimit(limits, "Max processes")
	}
	return p, nil
}

// parseLimit returns the soft limit on the line of /proc/<pid>/limits that
// starts with name, or -1.
func parseLimit(b []byte, name string) int64 {
	for _, l := range strings.Split(string(b), "\n") {
		rest, ok := strings.CutPrefix(l, name)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return -1
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return -1 // "unlimited"
		}
		return n
	}
	return -1
}

// parseStat reads /proc/<pid>/stat. The command name sits in parentheses and
// may itself hold spaces and parentheses, so fields are counted from the last
// ')'.
func parseStat(b []byte, p *Process) error {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return fmt.Errorf("parse stat %q", b)
	}
	p.Comm = string(b[open+1 : end])
	f := strings.Fields(string(b[end+1:]))
	// f[0] is field 3 (state), f[1] field 4 (ppid), f[17] field 20
	// (num_threads), f[21] field 24 (rss, in pages; kernels always write it,
	// but it is not needed to judge anything).
	if len(f) < 18 {
		return fmt.Errorf("parse stat: %d fields after comm", len(f))
	}
	p.State = f[0]
	var err error
	if p.PPID, err = strconv.Atoi(f[1]); err != nil {
		return fmt.Errorf("parse stat ppid: %w", err)
	}
	if p.Threads, err = strconv.Atoi(f[17]); err != nil {
		return fmt.Errorf("parse stat threads: %w", err)
	}
	if len(f) > 21 {
		if pages, err := strconv.ParseInt(f[21], 10, 64); err == nil {
			p.RSS = pages * int64(os.Getpagesize())
		}
	}
	return nil
}

// parseUID returns the real UID from /proc/<pid>/status, or -1.
func parseUID(b []byte) int {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Uid:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				if uid, err := strconv.Atoi(f[0]); err == nil {
					return uid
				}
			}
		}
	}
	return -1
}

// statusField returns the value of a "Name:\tvalue" line of
// /proc/<pid>/status, or "".
func statusField(b []byte, name string) string {
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// Children returns the processes whose parent is pid.
func (s Snapshot) Children(pid int) []Process {
	return s.filter(func(p Process) bool { return p.PPID == pid })
}

// Tree returns pid and every descendant of it, parents before children.
func (s Snapshot) Tree(pid int) []Process {
	var out []Process
	in := map[int]bool{pid: true}
	for _, p := range s.Processes {
		if p.PID == pid {
			out = append(out, p)
		}
	}
	// PIDs wrap, so a child may have a smaller PID than its parent: add
	// whatever has a parent already in until nothing more comes in.
	for grew := true; grew; {
		grew = false
		for _, p := range s.Processes {
			if !in[p.PID] && in[p.PPID] {
				in[p.PID] = true
				out = append(out, p)
				grew = true
			}
		}
	}
	return out
}

// Zombies returns the zombies among pid's children.
func (s Snapshot) Zombies(pid int) []Process {
	return s.filter(func(p Process) bool { return p.PPID == pid && p.Zombie() })
}

func (s Snapshot) filter(keep func(Process) bool) []Process {
	var out []Process
	for _, p := range s.Processes {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// Server returns the specimen's main process: the process called comm whose
// parent is outside the namespace (PPID 0), since the container runtime
// started it into the namespace from outside. Its children share its name
// but have it as their parent, and once it dies they are reparented to the
// agent (PID 1): they are never mistaken for it.
func (s Snapshot) Server(comm string) (Process, bool) {
	for _, p := range s.Processes {
		if p.Comm == comm && p.PPID == 0 {
			return p, true
		}
	}
	return Process{}, false
}
