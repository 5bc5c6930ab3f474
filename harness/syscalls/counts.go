// Package syscalls counts the system calls of a running process tree, by
// name, over a window: what each concurrency model asks of the kernel per
// request. The tracer is the lab's own, on ptrace(2) (trace_linux.go): it
// needs nothing in the agent's scratch image but the lab's binary, and it
// runs on every architecture the lab builds for, where strace from
// Debian's package would bring a dynamic binary and its libraries into the
// image, one set per architecture. Counts are data, a record's JSON: the
// experiment package judges them without a tracer.
package syscalls

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Counts is what a trace saw: calls entered, by name, over Window, by the
// traced processes and threads.
type Counts struct {
	// Arch is the architecture the names are of (GOARCH: amd64, arm64).
	Arch string `json:"arch"`
	// Calls counts the calls entered in the window by name; a call the
	// lab has no name for is "syscall_N", N its number.
	Calls map[string]int64 `json:"calls"`
	// Failed counts the calls that returned an error, by name and errno:
	// "read EAGAIN", "clone3 ENOSYS".
	Failed map[string]int64 `json:"failed,omitempty"`
	Window time.Duration    `json:"window_ns"`
	// Tasks is how many threads the trace followed in all: those there
	// when it began and every one forked or cloned since.
	Tasks int `json:"tasks"`
	// Untraced counts the threads ptrace may not follow: io_uring's
	// workers, the kernel's own, whose work is no call of the specimen's.
	Untraced int `json:"untraced,omitempty"`
	// Stops is how many times the tracer stopped the tracees: twice per
	// call (entry and exit), and once per signal and fork event.
	Stops int64 `json:"stops"`
}

// Total is every call counted.
func (c Counts) Total() int64 {
	var n int64
	for _, v := range c.Calls {
		n += v
	}
	return n
}

// Of sums the calls of the given names: one system call can go by several
// (epoll_wait and epoll_pwait, clone and clone3, select and pselect6), as
// the libc and the architecture choose.
func (c Counts) Of(names ...string) int64 {
	var n int64
	for _, name := range names {
		n += c.Calls[name]
	}
	return n
}

// Succeeded sums the calls of the given names that did not return an
// error: entries less the failures of that name, whatever their errno.
func (c Counts) Succeeded(names ...string) int64 {
	n := c.Of(names...)
	for key, v := range c.Failed {
		name, _, _ := strings.Cut(key, " ")
		for _, want := range names {
			if name == want {
				n -= v
			}
		}
	}
	return n
}

// FailedOf returns the failures of the call name, by errno, as "ERRNO N"
// pairs in order of errno.
func (c Counts) FailedOf(name string) []string {
	var out []string
	for key, v := range c.Failed {
		if n, errno, _ := strings.Cut(key, " "); n == name {
			out = append(out, errno+" "+strconv.FormatInt(v, 10))
		}
	}
	sort.Strings(out)
	return out
}

// Names returns the names counted, the most called first, ties by name.
func (c Counts) Names() []string {
	out := make([]string, 0, len(c.Calls))
	for n := range c.Calls {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if c.Calls[out[i]] != c.Calls[out[j]] {
			return c.Calls[out[i]] > c.Calls[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}
