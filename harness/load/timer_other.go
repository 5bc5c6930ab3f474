//go:build !linux

package load

import (
	"context"
	"time"
)

// timer sleeps one connection until its next request is due. Outside Linux
// it is Go's own timer, which may wake a millisecond late for short sleeps:
// that lateness lands in the open model's latencies.
type timer struct {
	ctx context.Context
	t   *time.Timer
}

func newTimer(ctx context.Context) (*timer, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timer{ctx: ctx, t: t}, nil
}

// sleep waits d; false means the run ended first.
func (t *timer) sleep(d time.Duration) bool {
	t.t.Reset(d)
	select {
	case <-t.t.C:
		return true
	case <-t.ctx.Done():
		t.t.Stop()
		return false
	}
}

func (t *timer) close() { t.t.Stop() }
