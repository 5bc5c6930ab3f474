package agent

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// TestHogBurnsCPU: two threads for 300 ms spend CPU time, and the hog ends
// at its bound.
func TestHogBurnsCPU(t *testing.T) {
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	Hog(context.Background(), 2, 300*time.Millisecond)
	took := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	user := time.Duration(after.Utime.Nano() - before.Utime.Nano())
	if took < 300*time.Millisecond || took > 2*time.Second {
		t.Errorf("took %v, want it to end at its 300 ms bound", took)
	}
	if user < 200*time.Millisecond {
		t.Errorf("user CPU %v over %v, want the hog to have burnt at least 200 ms", user, took)
	}
}
