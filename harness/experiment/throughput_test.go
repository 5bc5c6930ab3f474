package experiment

import (
	"testing"

	"github.com/serverlab/serverlab/harness/load"
)

// TestThroughputLevelsOutlastTheTimeout: the starved connections of the
// iterative server and prefork can only time out if a level runs longer
// than the load generator's timeout.
func TestThroughputLevelsOutlastTheTimeout(t *testing.T) {
	for _, a := range throughput().Arms {
		for _, s := range a.Steps {
			if s.Load != nil && s.Load.Duration <= load.DefaultTimeout {
				t.Errorf("%s %s: %v, not longer than the load timeout %v", a.Name, s.Label, s.Load.Duration, load.DefaultTimeout)
			}
		}
	}
}
