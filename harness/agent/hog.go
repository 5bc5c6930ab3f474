package agent

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Hog keeps threads busy computing until ctx ends or bound has passed: the
// busy neighbour a lesson must survive. Each thread spins on arithmetic,
// with no system call, so it competes for the CPU only, as a build or a
// batch job on the same machine would.
func Hog(ctx context.Context, threads int, bound time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	var wg sync.WaitGroup
	for range max(threads, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			x := uint64(1)
			for ctx.Err() == nil {
				for range 1 << 20 {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			hogSink.Store(x)
		}()
	}
	wg.Wait()
}

// hogSink keeps the hog's arithmetic from being optimised away.
var hogSink atomic.Uint64
