//go:build !linux

package syscalls

import "errors"

// Tracer is Linux's alone: ptrace's options and PTRACE_GET_SYSCALL_INFO.
type Tracer struct{}

// Start fails off Linux: the lab traces inside its agent, a Linux container.
func Start(string, []int) (*Tracer, error) {
	return nil, errors.New("trace: system calls are traced on Linux only")
}

// Stop returns nothing.
func (*Tracer) Stop() (Counts, error) { return Counts{}, errors.New("trace: not on Linux") }
