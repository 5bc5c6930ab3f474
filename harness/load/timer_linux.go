package load

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// timer sleeps one connection until its next request is due.
//
// Go's own timers are late by up to a millisecond for short sleeps on
// Linux: an idle scheduler waits in epoll_pwait, whose timeout is in whole
// milliseconds. The open model times each request from when it was due, so
// that lateness would land in every latency measured. A timerfd is an
// hrtimer that wakes the same epoll_pwait as soon as it fires (within the
// default timer slack of 50 µs), and reading it parks only the goroutine.
type timer struct {
	fd   int
	file *os.File
	stop func() bool
	buf  [8]byte
}

// newTimer makes a timer whose sleeps end early when ctx is done.
func newTimer(ctx context.Context) (*timer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("create timerfd: %w", err)
	}
	// Non-blocking, so os.NewFile hands it to the runtime's poller.
	t := &timer{fd: fd, file: os.NewFile(uintptr(fd), "timerfd")}
	t.stop = context.AfterFunc(ctx, func() { _ = t.file.SetReadDeadline(aLongTimeAgo) })
	return t, nil
}

// sleep waits d; false means the run ended first.
func (t *timer) sleep(d time.Duration) bool {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(t.fd, 0, &spec, nil); err != nil {
		// Cannot happen with a valid fd and spec; sleep coarsely rather than not at all.
		time.Sleep(d)
		return true
	}
	_, err := t.file.Read(t.buf[:])
	return err == nil
}

func (t *timer) close() {
	t.stop()
	t.file.Close()
}
