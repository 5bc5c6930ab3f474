//go:build linux

package syscalls

// archNames are arm64's own system calls: none the lab names; it has only
// the newer forms (pselect6, epoll_pwait, clone), which names_linux.go has.
var archNames = map[uint64]string{}
