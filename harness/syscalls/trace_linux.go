//go:build linux

package syscalls

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxNR bounds the system call numbers counted in the table; a larger one
// (none on amd64 or arm64 today) is counted apart, by number.
const maxNR = 1024

// Tracer follows a process tree with ptrace: every thread of the given
// processes is seized (PTRACE_SEIZE, so nothing is stopped by a signal of
// the tracer's, and a specimen's own SIGSTOP-less lessons are untouched),
// and so is every process and thread they fork or clone from then on
// (PTRACE_O_TRACEFORK, TRACECLONE, TRACEVFORK). Each call stops its thread
// twice, at its entry and at its exit (PTRACE_SYSCALL); the tracer counts
// entries, read with PTRACE_GET_SYSCALL_INFO (Linux 5.3 and later), and
// the exits that returned an error, by the call and its errno (a read
// that found nothing, EAGAIN; a clone3 a seccomp profile refuses, ENOSYS),
// and hands every signal on to its tracee unchanged.
//
// What tracing costs: four context switches and a few microseconds per
// call, on the tracer's CPU as much as on the tracee's. The syscalls
// experiment measures it (the same load traced and not) instead of
// guessing it.
//
// Every ptrace request must come from the thread that attached, so the
// tracer's goroutine is locked to its OS thread for its whole life.
// Stop ends the window; the tracees stay traced (and stop at each call,
// resumed at once) until the tracing process exits, when the kernel lets
// them go on untraced, each with any signal it was stopped for: the lab
// traces in a short-lived command (lab load --trace) for that reason.
type Tracer struct {
	counts  [maxNR]atomic.Int64
	mu      sync.Mutex
	other   map[uint64]int64  // numbers from maxNR on
	failed  map[failure]int64 // calls that returned an error
	entered map[int]uint64    // each tracee's call in progress, by TID (the tracer's thread alone)
	stops   atomic.Int64
	// untraced counts the threads the kernel refused to let the tracer
	// seize: io_uring's workers (iou-wrk-, iou-sqp-), kernel threads in
	// the process, whose work is no system call of the specimen's.
	untraced int
	tasks    atomic.Int64
	stopped  atomic.Bool
	started  time.Time
	window   time.Duration
	final    *Counts
	ended    chan error // the tracing loop's end, if it ends early
}

// failure is a call that returned an error, and which.
type failure struct {
	nr    uint64
	errno unix.Errno
}

// ptraceOptions: syscall stops marked apart from SIGTRAPs (TRACESYSGOOD),
// and every new task followed.
const ptraceOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE

// Start seizes every thread of pids (read from procRoot/PID/task) and
// counts their calls, and those of every task they make, until Stop.
func Start(procRoot string, pids []int) (*Tracer, error) {
	if len(pids) == 0 {
		return nil, errors.New("trace: no process to trace")
	}
	t := &Tracer{other: map[uint64]int64{}, failed: map[failure]int64{}, entered: map[int]uint64{}, ended: make(chan error, 1)}
	ready := make(chan error, 1)
	go t.run(procRoot, pids, ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return t, nil
}

// run is the tracer's thread: attach, then wait for stops and resume
// each, for as long as the process lives.
func (t *Tracer) run(procRoot string, pids []int, ready chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread dies with the process
	seized := map[int]bool{}
	// A thread can be cloned between the listing of a process's tasks
	// and the seizing of the one that cloned it: list again until a pass
	// finds none new. Tasks cloned by a seized one are followed anyway.
	for pass := 0; ; pass++ {
		found := 0
		for _, pid := range pids {
			tids, err := tasks(procRoot, pid)
			if err != nil && pass == 0 {
				ready <- fmt.Errorf("trace %d: %w", pid, err)
				return
			}
			for _, tid := range tids {
				if seized[tid] {
					continue
				}
				if err := seize(tid); err != nil {
					if errors.Is(err, unix.ESRCH) {
						continue // gone meanwhile
					}
					if errors.Is(err, unix.EPERM) && kernelThread(procRoot, pid, tid) {
						seized[tid] = true // io_uring's workers: the kernel's, which ptrace cannot follow
						t.untraced++
						continue
					}
					ready <- fmt.Errorf("trace: seize %d: %w", tid, err)
					return
				}
				seized[tid] = true
				found++
			}
		}
		if found == 0 {
			break
		}
	}
	t.tasks.Store(int64(len(seized) - t.untraced))
	t.started = time.Now()
	ready <- nil
	t.ended <- t.loop()
}

// seize attaches to tid without stopping it, then interrupts it, so that
// its first stop (PTRACE_EVENT_STOP) starts the syscall tracing.
func seize(tid int) error {
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(tid), 0, ptraceOptions, 0, 0); e != 0 {
		return e
	}
	return unix.PtraceInterrupt(tid)
}

// syscallInfo is struct ptrace_syscall_info up to its entry's arguments.
// At an exit stop, the union holds the exit's: Nr is the return value,
// and the low byte of Args[0] is_error.
type syscallInfo struct {
	Op     uint8
	_      [3]uint8
	Arch   uint32
	IP, SP uint64
	Nr     uint64
	Args   [6]uint64
}

const syscallInfoExit = 2 // PTRACE_SYSCALL_INFO_EXIT

// loop waits for any tracee's stop and resumes it, counting call entries.
func (t *Tracer) loop() error {
	var info syscallInfo
	for {
		var ws unix.WaitStatus
		tid, err := unix.Wait4(-1, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err // ECHILD: every tracee is gone
		}
		if !ws.Stopped() {
			continue // exited or killed: nothing to resume
		}
		counting := !t.stopped.Load()
		if counting {
			t.stops.Add(1)
		}
		sig := ws.StopSignal()
		inject := 0
		switch {
		case sig == unix.SIGTRAP|0x80: // a syscall stop
			if counting {
				_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid), unsafe.Sizeof(info), uintptr(unsafe.Pointer(&info)), 0, 0)
				switch {
				case e != 0:
				case info.Op == unix.PTRACE_SYSCALL_INFO_ENTRY:
					t.count(info.Nr)
					t.entered[tid] = info.Nr
				case info.Op == syscallInfoExit:
					if nr, ok := t.entered[tid]; ok && info.Args[0]&0xff != 0 {
						t.mu.Lock()
						t.failed[failure{nr, unix.Errno(-int64(info.Nr))}]++
						t.mu.Unlock()
					}
					delete(t.entered, tid)
				}
			}
		case ws.TrapCause() > 0: // fork, clone, vfork or the interrupt's stop
			if ws.TrapCause() != unix.PTRACE_EVENT_STOP {
				t.tasks.Add(1)
			}
		default: // a signal for the tracee: handed on
			inject = int(sig)
		}
		// ESRCH: killed while stopped; its exit comes next.
		_ = unix.PtraceSyscall(tid, inject)
	}
}

func (t *Tracer) count(nr uint64) {
	if nr < maxNR {
		t.counts[nr].Add(1)
		return
	}
	t.mu.Lock()
	t.other[nr]++
	t.mu.Unlock()
}

// Stop ends the window and returns what was counted in it. It may be
// called again, and returns the same counts.
func (t *Tracer) Stop() (Counts, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.final != nil {
		return *t.final, nil
	}
	t.stopped.Store(true)
	c := Counts{Arch: runtime.GOARCH, Calls: map[string]int64{}, Failed: map[string]int64{}, Window: time.Since(t.started),
		Tasks: int(t.tasks.Load()), Untraced: t.untraced, Stops: t.stops.Load()}
	for nr := range t.counts {
		if n := t.counts[nr].Load(); n > 0 {
			c.Calls[name(uint64(nr))] += n
		}
	}
	for nr, n := range t.other {
		c.Calls[name(nr)] += n
	}
	for f, n := range t.failed {
		c.Failed[name(f.nr)+" "+errnoName(f.errno)] += n
	}
	t.final = &c
	select {
	case err := <-t.ended:
		if err != nil && !errors.Is(err, unix.ECHILD) {
			return c, fmt.Errorf("trace: %w", err)
		}
	default:
	}
	return c, nil
}

// restarts are the kernel's own errnos, which a tracer sees at a call's
// exit and its caller never does: the call is restarted (a fork or a
// wait that a signal interrupted) or fails with EINTR.
var restarts = map[unix.Errno]string{512: "ERESTARTSYS", 513: "ERESTARTNOINTR", 514: "ERESTARTNOHAND", 516: "ERESTART_RESTARTBLOCK"}

// errnoName is e's name, or "errno N".
func errnoName(e unix.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	if n, ok := restarts[e]; ok {
		return n
	}
	return "errno " + strconv.Itoa(int(e))
}

// kernelThread says whether thread tid of pid is one of io_uring's
// workers, by its name.
func kernelThread(procRoot string, pid, tid int) bool {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "task", strconv.Itoa(tid), "comm"))
	return err == nil && strings.HasPrefix(string(b), "iou-")
}

// tasks lists the threads of pid.
func tasks(procRoot string, pid int) ([]int, error) {
	entries, err := os.ReadDir(filepath.Join(procRoot, strconv.Itoa(pid), "task"))
	if err != nil {
		return nil, err
	}
	var out []int
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, tid)
		}
	}
	return out, nil
}
