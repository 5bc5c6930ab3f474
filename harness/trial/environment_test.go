package trial

import (
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/runner"
)

// TestStartTimeout: an emulated machine waits longer for a specimen to
// listen; any other, KVM or none said, the native bound.
func TestStartTimeout(t *testing.T) {
	for _, tt := range []struct {
		accel string
		want  int // times the native bound
	}{{"", 1}, {"kvm", 1}, {experiment.AccelTCG, 4}} {
		if got := startTimeout(tt.accel); got != time.Duration(tt.want)*runner.DefaultStartTimeout {
			t.Errorf("%q: got %v, want %d x %v", tt.accel, got, tt.want, runner.DefaultStartTimeout)
		}
	}
}
