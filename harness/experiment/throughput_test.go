package experiment

import (
	"testing"

	"github.com/serverlab/serverlab/harness/load"
)

// TestLoadStepsOutlastTheTimeout: a starved connection, or a request the
// server lost, can only time out within a step that runs longer than the
// load generator's timeout; a check of no loss over a shorter step could
// not fail.
func TestLoadStepsOutlastTheTimeout(t *testing.T) {
	for _, e := range Load() {
		for _, a := range e.Arms {
			for _, s := range a.Steps {
				if s.Load == nil {
					continue
				}
				timeout := s.Load.Timeout
				if timeout == 0 {
					timeout = load.DefaultTimeout
				}
				if s.Load.Duration <= timeout {
					t.Errorf("%s %s %s: %v, not longer than the load timeout %v", e.Name, a.Name, s.Label, s.Load.Duration, timeout)
				}
			}
		}
	}
}
