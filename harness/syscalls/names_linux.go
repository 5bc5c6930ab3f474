//go:build linux

package syscalls

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// names are the system calls the lab names, by number on this architecture:
// those of the specimens' loops, their runtimes (Go's, glibc's start-up)
// and io_uring's. The architecture's own are in names_ARCH.go.
var names = map[uint64]string{
	unix.SYS_ACCEPT: "accept", unix.SYS_ACCEPT4: "accept4",
	unix.SYS_READ: "read", unix.SYS_PREAD64: "pread64", unix.SYS_WRITE: "write", unix.SYS_READV: "readv", unix.SYS_WRITEV: "writev",
	unix.SYS_RECVFROM: "recvfrom", unix.SYS_SENDTO: "sendto", unix.SYS_RECVMSG: "recvmsg", unix.SYS_SENDMSG: "sendmsg",
	unix.SYS_CLOSE: "close", unix.SYS_SHUTDOWN: "shutdown", unix.SYS_SOCKET: "socket", unix.SYS_BIND: "bind", unix.SYS_LISTEN: "listen",
	unix.SYS_SETSOCKOPT: "setsockopt", unix.SYS_GETSOCKOPT: "getsockopt", unix.SYS_GETSOCKNAME: "getsockname", unix.SYS_GETPEERNAME: "getpeername",
	unix.SYS_FCNTL: "fcntl", unix.SYS_IOCTL: "ioctl",
	unix.SYS_EPOLL_CREATE1: "epoll_create1", unix.SYS_EPOLL_CTL: "epoll_ctl", unix.SYS_EPOLL_PWAIT: "epoll_pwait", unix.SYS_EPOLL_PWAIT2: "epoll_pwait2",
	unix.SYS_PSELECT6: "pselect6", unix.SYS_PPOLL: "ppoll",
	unix.SYS_CLONE: "clone", unix.SYS_CLONE3: "clone3", unix.SYS_EXECVE: "execve", unix.SYS_WAIT4: "wait4", unix.SYS_WAITID: "waitid",
	unix.SYS_EXIT: "exit", unix.SYS_EXIT_GROUP: "exit_group", unix.SYS_KILL: "kill", unix.SYS_TGKILL: "tgkill",
	unix.SYS_RT_SIGACTION: "rt_sigaction", unix.SYS_RT_SIGPROCMASK: "rt_sigprocmask", unix.SYS_RT_SIGRETURN: "rt_sigreturn", unix.SYS_RT_SIGTIMEDWAIT: "rt_sigtimedwait", unix.SYS_RT_SIGSUSPEND: "rt_sigsuspend", unix.SYS_SIGALTSTACK: "sigaltstack",
	unix.SYS_FUTEX: "futex", unix.SYS_NANOSLEEP: "nanosleep", unix.SYS_CLOCK_NANOSLEEP: "clock_nanosleep", unix.SYS_SCHED_YIELD: "sched_yield",
	unix.SYS_CLOCK_GETTIME: "clock_gettime", unix.SYS_GETTIMEOFDAY: "gettimeofday",
	unix.SYS_MMAP: "mmap", unix.SYS_MUNMAP: "munmap", unix.SYS_MPROTECT: "mprotect", unix.SYS_MADVISE: "madvise", unix.SYS_BRK: "brk",
	unix.SYS_GETPID: "getpid", unix.SYS_GETPPID: "getppid", unix.SYS_GETUID: "getuid", unix.SYS_GETGID: "getgid", unix.SYS_GETEUID: "geteuid", unix.SYS_GETEGID: "getegid", unix.SYS_GETTID: "gettid", unix.SYS_GETRANDOM: "getrandom", unix.SYS_PRCTL: "prctl",
	unix.SYS_SET_ROBUST_LIST: "set_robust_list", unix.SYS_RSEQ: "rseq", unix.SYS_SET_TID_ADDRESS: "set_tid_address",
	unix.SYS_OPENAT: "openat", unix.SYS_NEWFSTATAT: "newfstatat", unix.SYS_FSTAT: "fstat", unix.SYS_SENDFILE: "sendfile",
	unix.SYS_EVENTFD2: "eventfd2", unix.SYS_TIMERFD_SETTIME: "timerfd_settime", unix.SYS_GETRLIMIT: "getrlimit", unix.SYS_PRLIMIT64: "prlimit64",
	unix.SYS_IO_URING_SETUP: "io_uring_setup", unix.SYS_IO_URING_ENTER: "io_uring_enter", unix.SYS_IO_URING_REGISTER: "io_uring_register",
}

// name is the name of system call nr on this architecture.
func name(nr uint64) string {
	if n, ok := names[nr]; ok {
		return n
	}
	if n, ok := archNames[nr]; ok {
		return n
	}
	return "syscall_" + strconv.FormatUint(nr, 10)
}
