package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fakeTask is one process of a fake /proc.
type fakeTask struct {
	Process
	noStatus bool // no status file
}

// statLine renders /proc/<pid>/stat as the kernel writes it: 52 fields, the
// command name in parentheses, num_threads the 20th.
func statLine(p Process) string {
	return fmt.Sprintf("%d (%s) %s %d %d %d 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 %d 0 4242 2396160 181 "+
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		p.PID, p.Comm, p.State, p.PPID, p.PID, p.PID, p.Threads)
}

// statusFile renders the part of /proc/<pid>/status the agent reads, and
// some that it must skip.
func statusFile(p Process) string {
	nnp := map[bool]int{true: 1}[p.NoNewPrivs]
	return fmt.Sprintf("Name:\t%s\nUmask:\t0022\nState:\t%s\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\n"+
		"TracerPid:\t0\nUid:\t%d\t%d\t%d\t%d\nGid:\t%d\t%d\t%d\t%d\nThreads:\t%d\n"+
		"CapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\nNoNewPrivs:\t%d\n",
		p.Comm, p.State, p.PID, p.PID, p.PPID, p.UID, p.UID, p.UID, p.UID, p.UID, p.UID, p.UID, p.UID, p.Threads, p.CapEff, p.CapEff, nnp)
}

// limitsFile renders /proc/<pid>/limits; NProc 0 stands for "unlimited".
func limitsFile(p Process) string {
	nproc := "unlimited"
	if p.NProc > 0 {
		nproc = strconv.FormatInt(p.NProc, 10)
	}
	return "Limit                     Soft Limit           Hard Limit           Units     \n" +
		"Max cpu time              unlimited            unlimited            seconds   \n" +
		fmt.Sprintf("Max processes             %-20s %-20s processes \n", nproc, nproc) +
		fmt.Sprintf("Max open files            %-20d %-20d files     \n", p.NoFile, p.NoFile+1) +
		"Max locked memory         8388608              8388608              bytes     \n"
}

// writeFakeProc builds a /proc under root: a dir per task with stat, status
// and, unless FDs is -1, an fd/ dir holding FDs entries.
func writeFakeProc(t *testing.T, root string, tasks []fakeTask) {
	t.Helper()
	for _, task := range tasks {
		dir := filepath.Join(root, strconv.Itoa(task.PID))
		write(t, filepath.Join(dir, "stat"), statLine(task.Process))
		if !task.noStatus {
			write(t, filepath.Join(dir, "status"), statusFile(task.Process))
		}
		if task.NoFile >= 0 {
			write(t, filepath.Join(dir, "limits"), limitsFile(task.Process))
		}
		if task.FDs < 0 {
			continue // a zombie: its descriptors are gone and fd/ cannot be read
		}
		if err := os.MkdirAll(filepath.Join(dir, "fd"), 0o755); err != nil {
			t.Fatal(err)
		}
		for fd := 0; fd < task.FDs; fd++ {
			if fd < len(task.Sockets) {
				// as the kernel shows a socket descriptor
				link := fmt.Sprintf("socket:[%d]", task.Sockets[fd])
				if err := os.Symlink(link, filepath.Join(dir, "fd", strconv.Itoa(fd))); err != nil {
					t.Fatal(err)
				}
				continue
			}
			write(t, filepath.Join(dir, "fd", strconv.Itoa(fd)), "")
		}
		if task.Cmdline != "" {
			write(t, filepath.Join(dir, "cmdline"), strings.ReplaceAll(task.Cmdline, " ", "\x00")+"\x00")
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The fake namespace of a forking specimen under the agent: the agent as
// PID 1, the server, a live child, two zombies, and a process whose name
// holds spaces and parentheses. PIDs sort differently as strings (10, 100,
// 12, 7...) than as numbers.
var fakeTasks = []fakeTask{
	{Process: Process{PID: 1, PPID: 0, Comm: "lab", State: "S", UID: 0, Threads: 5, FDs: 4, NoFile: 1024, NProc: -1, CapEff: "0000000000280004", NoNewPrivs: true}},
	// The specimen: started into the namespace from outside, so PPID 0.
	{Process: Process{PID: 7, PPID: 0, Comm: "forking", State: "S", UID: 10005, Threads: 1, FDs: 5, NoFile: 256, NProc: 400,
		CapEff: "0000000000000000", NoNewPrivs: true,
		Cmdline: "/forking --backlog 5 --port 8888", Sockets: []uint64{41234, 41240}}},
	{Process: Process{PID: 8, PPID: 7, Comm: "forking", State: "S", UID: 10005, Threads: 1, FDs: 3, NoFile: 1024, NProc: -1}},
	{Process: Process{PID: 9, PPID: 7, Comm: "forking", State: "Z", UID: 10005, Threads: 1, FDs: -1, NoFile: -1, NProc: -1}},
	{Process: Process{PID: 10, PPID: 7, Comm: "forking", State: "Z", UID: 10005, Threads: 1, FDs: -1, NoFile: -1, NProc: -1}},
	{Process: Process{PID: 12, PPID: 0, Comm: "(my) prog", State: "R", UID: 1000, Threads: 3, FDs: 2, NoFile: 1024, NProc: -1}},
	{Process: Process{PID: 100, PPID: 12, Comm: "sh", State: "S", UID: 1000, Threads: 1, FDs: 0, NoFile: 1024, NProc: -1}},
}

// fakeProc builds the fake namespace, plus what Read must skip, and
// returns its root.
func fakeProc(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeFakeProc(t, root, fakeTasks)
	// Not a PID: skipped by name, even with a valid stat.
	write(t, filepath.Join(root, "self", "stat"), statLine(Process{PID: 999, Comm: "self", State: "R", Threads: 1}))
	write(t, filepath.Join(root, "net", "tcp"), "")
	// A task that exited between ReadDir and reading its stat.
	if err := os.MkdirAll(filepath.Join(root, "13"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A stat the parser refuses.
	write(t, filepath.Join(root, "14", "stat"), "14 (broken\n")
	write(t, filepath.Join(root, "sys", "net", "core", "somaxconn"), "4096\n")
	return root
}

func fakeSnapshot(t *testing.T) Snapshot {
	t.Helper()
	s, err := Read(fakeProc(t), 8888)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pids(ps []Process) []int {
	out := []int{}
	for _, p := range ps {
		out = append(out, p.PID)
	}
	return out
}

func TestReadFakeProc(t *testing.T) {
	s := fakeSnapshot(t)
	var want []Process
	for _, task := range fakeTasks {
		p := task.Process
		p.RSS = 181 * int64(os.Getpagesize()) // statLine's rss field
		want = append(want, p)
	}
	if !reflect.DeepEqual(s.Processes, want) {
		t.Errorf("Read() processes\n got %+v\nwant %+v", s.Processes, want)
	}
	if s.Somaxconn != 4096 {
		t.Errorf("Somaxconn = %d, want 4096", s.Somaxconn)
	}
	if s.Taken.IsZero() {
		t.Error("Taken is zero, want the time of the snapshot")
	}
}

func TestReadWithoutSomaxconn(t *testing.T) {
	root := t.TempDir()
	writeFakeProc(t, root, fakeTasks[:1])
	s, err := Read(root, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := pids(s.Processes); !reflect.DeepEqual(got, []int{1}) || s.Somaxconn != 0 {
		t.Errorf("Read() = pids %v, somaxconn %d; want [1], 0", got, s.Somaxconn)
	}
}

func TestReadMissingRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "absent")
	if _, err := Read(root, 0); err == nil || !strings.Contains(err.Error(), root) {
		t.Errorf("Read(%q) error %v, want one naming the root", root, err)
	}
}

// TestReadUnreadableStatus: a task whose status cannot be read (it exited
// between reading stat and status) has UID -1, not root's 0.
func TestReadUnreadableStatus(t *testing.T) {
	root := t.TempDir()
	writeFakeProc(t, root, []fakeTask{
		// The specimen: started into the namespace from outside, so PPID 0.
		{Process: Process{PID: 7, PPID: 0, Comm: "forking", State: "S", UID: 10005, Threads: 1, FDs: 3}, noStatus: true},
	})
	s, err := Read(root, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Processes) != 1 || s.Processes[0].UID != -1 {
		t.Errorf("Read() = %+v, want one process with UID -1", s.Processes)
	}
}

func TestSnapshotQueries(t *testing.T) {
	s := fakeSnapshot(t)
	tests := []struct {
		name string
		got  []Process
		want []int
	}{
		// the server's children, live and zombie, in PID order
		{"children of the server", s.Children(7), []int{8, 9, 10}},
		// the agent has no children: the server was started from outside
		{"children of the agent", s.Children(1), []int{}},
		// the parent written in parentheses is found by its PID
		{"children of (my) prog", s.Children(12), []int{100}},
		// a live child with no children of its own
		{"children of a child", s.Children(8), []int{}},
		// a PID not in the snapshot
		{"children of nobody", s.Children(4242), []int{}},
		// the server's unreaped children
		{"zombies of the server", s.Zombies(7), []int{9, 10}},
		// the agent reaps: no zombies under it
		{"zombies of the agent", s.Zombies(1), []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pids(tt.got); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got PIDs %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSnapshotServer(t *testing.T) {
	fake := fakeSnapshot(t)
	// After PIDs wrap, a child can have a lower PID than its server.
	wrapped := Snapshot{Processes: []Process{
		{PID: 1, Comm: "lab"},
		{PID: 3, PPID: 500, Comm: "forking"},
		{PID: 500, PPID: 0, Comm: "forking"},
	}}
	// Once the server dies its children are reparented to the agent.
	orphaned := Snapshot{Processes: []Process{
		{PID: 1, Comm: "lab"},
		{PID: 8, PPID: 1, Comm: "forking"},
		{PID: 9, PPID: 1, Comm: "forking", State: "Z"},
	}}
	tests := []struct {
		name    string
		s       Snapshot
		comm    string
		wantPID int
		wantOK  bool
	}{
		// the forking server: PPID 0, its children have it as parent
		{"forking", fake, "forking", 7, true},
		// the agent, PID 1, is also started from outside
		{"agent", fake, "lab", 1, true},
		// a process started inside the namespace is no server
		{"child of (my) prog", fake, "sh", 0, false},
		// a name with spaces and parentheses
		{"(my) prog", fake, "(my) prog", 12, true},
		// no process of that name
		{"absent", fake, "iterative", 0, false},
		// the lowest PID is a child: the server is the one with PPID 0
		{"wrapped pids", wrapped, "forking", 500, true},
		// orphans of a dead server are not taken for it
		{"orphans", orphaned, "forking", 0, false},
		// an empty snapshot
		{"empty", Snapshot{}, "forking", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.s.Server(tt.comm)
			if got.PID != tt.wantPID || ok != tt.wantOK {
				t.Errorf("Server(%q) = PID %d, %v; want PID %d, %v", tt.comm, got.PID, ok, tt.wantPID, tt.wantOK)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	// tail is every field after ppid up to num_threads (5 to 20), then more.
	const tail = " 7 7 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 %s 0 4242 2396160"
	line := func(head, threads string) []byte { return []byte(head + fmt.Sprintf(tail, threads)) }
	tests := []struct {
		name    string
		stat    []byte
		want    Process
		wantErr bool
	}{
		// a plain line
		{"plain", line("7 (forking) S 1", "1"), Process{Comm: "forking", State: "S", PPID: 1, Threads: 1}, false},
		// rss, the 24th field, in pages
		{"rss", line("7 (forking) S 1", "1 0 0 2 181"), Process{Comm: "forking", State: "S", PPID: 1, Threads: 1, RSS: 181 * int64(os.Getpagesize())}, false},
		// spaces and parentheses inside the name: fields count from the last ')'
		{"parens in comm", line("12 ((my) prog) R 1", "3"), Process{Comm: "(my) prog", State: "R", PPID: 1, Threads: 3}, false},
		// a name that is a lone ')'
		{"comm is )", line("5 ()) Z 7", "1"), Process{Comm: ")", State: "Z", PPID: 7, Threads: 1}, false},
		// an empty name
		{"empty comm", line("5 () S 7", "1"), Process{Comm: "", State: "S", PPID: 7, Threads: 1}, false},
		// exactly 18 fields after the name, ending at num_threads
		{"shortest", []byte("7 (forking) S 1 7 7 0 -1 4194560 120 0 0 0 3 1 0 0 20 0 2"), Process{Comm: "forking", State: "S", PPID: 1, Threads: 2}, false},
		// nothing at all
		{"empty", []byte(""), Process{}, true},
		// no '(' before the name
		{"no open paren", line("7 forking) S 1", "1"), Process{}, true},
		// no ')' after the name
		{"no close paren", line("7 (forking S 1", "1"), Process{}, true},
		// the only ')' comes before the '('
		{"parens reversed", line("7 )forking( S 1", "1"), Process{}, true},
		// cut off after 17 fields, before num_threads
		{"too few fields", []byte("7 (forking) S 1 7 7 0 -1 4194560 120 0 0 0 3 1 0 0 20 0"), Process{}, true},
		// a ppid that is not a number
		{"bad ppid", line("7 (forking) S x", "1"), Process{}, true},
		// a thread count that is not a number
		{"bad threads", line("7 (forking) S 1", "many"), Process{}, true},
		// a name with ')' followed by nothing
		{"truncated after comm", []byte("7 (forking)"), Process{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Process
			err := parseStat(tt.stat, &got)
			switch {
			case tt.wantErr && err == nil:
				t.Errorf("parseStat(%q) = %+v, nil; want an error", tt.stat, got)
			case !tt.wantErr && err != nil:
				t.Errorf("parseStat(%q) error %v, want none", tt.stat, err)
			case !tt.wantErr && !reflect.DeepEqual(got, tt.want):
				t.Errorf("parseStat(%q) = %+v, want %+v", tt.stat, got, tt.want)
			}
		})
	}
}

func TestParseUID(t *testing.T) {
	tests := []struct {
		name   string
		status string
		want   int
	}{
		// the real UID is the first of four
		{"uid line", "Name:\tforking\nUid:\t10005\t10006\t10007\t10008\n", 10005},
		// root
		{"root", "Uid:\t0\t0\t0\t0\n", 0},
		// no Uid line
		{"missing", "Name:\tforking\nGid:\t5\t5\t5\t5\n", -1},
		// a Uid line without a number
		{"not a number", "Uid:\tnobody\n", -1},
		// a Uid line with nothing after it
		{"empty uid", "Uid:\n", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseUID([]byte(tt.status)); got != tt.want {
				t.Errorf("parseUID(%q) = %d, want %d", tt.status, got, tt.want)
			}
		})
	}
}

// TestReadRealProc reads this machine's /proc and finds the test itself.
func TestReadRealProc(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skipf("no procfs here: %v", err)
	}
	s, err := Read("/proc", 0)
	if err != nil {
		t.Fatal(err)
	}
	var me Process
	for _, p := range s.Processes {
		if p.PID == os.Getpid() {
			me = p
		}
	}
	if me.PID == 0 {
		t.Fatalf("Read(/proc) has %d processes, none with this test's PID %d", len(s.Processes), os.Getpid())
	}
	// The kernel keeps the first 15 bytes of the executable's name.
	wantComm := filepath.Base(os.Args[0])
	if len(wantComm) > 15 {
		wantComm = wantComm[:15]
	}
	tests := []struct {
		name      string
		got, want any
	}{
		// the parent as the kernel sees it
		{"ppid", me.PPID, os.Getppid()},
		// the real UID
		{"uid", me.UID, os.Getuid()},
		// the test binary's name
		{"comm", me.Comm, wantComm},
		// at least stdin, stdout, stderr or the dir being read are open
		{"fds > 0", me.FDs > 0, true},
		// the Go runtime runs several threads
		{"threads > 0", me.Threads > 0, true},
		// running or sleeping, not a zombie
		{"not a zombie", me.Zombie(), false},
		// the test is among its parent's children
		{"child of its parent", contains(pids(s.Children(os.Getppid())), os.Getpid()), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v (process %+v)", tt.name, tt.got, tt.want, me)
		}
	}
	if b, err := os.ReadFile("/proc/sys/net/core/somaxconn"); err == nil {
		if want, _ := strconv.Atoi(strings.TrimSpace(string(b))); s.Somaxconn != want || want <= 0 {
			t.Errorf("Somaxconn = %d, want %d", s.Somaxconn, want)
		}
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestParseCPUModel(t *testing.T) {
	tests := []struct {
		name, cpuinfo, want string
	}{
		// x86: the first processor's model name
		{"x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n", "AMD EPYC 7B13"},
		// arm64 kernels name no model, some say Model (a Raspberry Pi)
		{"arm64 model", "processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd0c\n\nModel\t\t: Raspberry Pi 4 Model B\n", "Raspberry Pi 4 Model B"},
		// nothing that names one
		{"none", "processor\t: 0\nBogoMIPS\t: 108.00\n", ""},
	}
	for _, tt := range tests {
		if got := parseCPUModel([]byte(tt.cpuinfo)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
