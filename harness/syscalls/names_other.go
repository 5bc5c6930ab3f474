//go:build linux && !amd64 && !arm64

package syscalls

// archNames are the architecture's own system calls: none named here, so
// its old calls show by number.
var archNames = map[uint64]string{}
