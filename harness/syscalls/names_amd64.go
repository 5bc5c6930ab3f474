//go:build linux

package syscalls

import "golang.org/x/sys/unix"

// archNames are amd64's own system calls: the old ones arm64 never had.
var archNames = map[uint64]string{
	unix.SYS_SELECT: "select", unix.SYS_POLL: "poll", unix.SYS_EPOLL_WAIT: "epoll_wait",
	unix.SYS_FORK: "fork", unix.SYS_VFORK: "vfork", unix.SYS_PAUSE: "pause", unix.SYS_ARCH_PRCTL: "arch_prctl",
	unix.SYS_EPOLL_CREATE: "epoll_create", unix.SYS_DUP2: "dup2", unix.SYS_OPEN: "open", unix.SYS_STAT: "stat", unix.SYS_ACCESS: "access",
}
