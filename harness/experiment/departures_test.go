package experiment

import (
	"fmt"
	"testing"
)

// TestDepartures: each arm's departures from the article, worked out from
// the catalogue, the program it plays and the claim its experiment quotes.
func TestDepartures(t *testing.T) {
	tests := []struct {
		experiment, arm string
		want            []string
	}{
		// A shorter delay than the article's 60 s.
		{"head-of-line", "3b", []string{"delay 60 s → 1 s"}},
		// 3c playing the article's 3d: compared with 3d, which has no delay;
		// the article's zombie step sets no limit.
		{"zombies", "3c", []string{"webserver3c stands in for the article's webserver3d"}},
		// The article's -u 400 and -n 500 for this lesson (its claim), not
		// 3d's -n 256 of the descriptors' lesson.
		{"process-limit", "nproc-400", []string{"webserver3c stands in for the article's webserver3d",
			"ulimit -n 500 → nofile 1024", "a pids cgroup limit of 1000 beside ulimit -u"}},
		{"process-limit", "pids-400", []string{"webserver3c stands in for the article's webserver3d",
			"ulimit -n 500 → nofile 1024", "ulimit -u 400 → nproc 1000"}},
		// 3d at the article's own ulimits: no departure (the pids cgroup at
		// the same 400 adds no limit of its own).
		{"process-limit", "3d-u400", nil},
		// The descriptors' lesson at the article's nofile 256: no departure in it.
		{"fd-exhaustion", "3d", nil},
		// The lab's own presets depart from nothing.
		{"slow-clients", "epoll", nil},
	}
	for _, tt := range tests {
		e, err := Lookup(tt.experiment)
		if err != nil {
			t.Fatal(err)
		}
		a, ok := e.Arm(tt.arm)
		if !ok {
			t.Fatalf("%s: no arm %s", tt.experiment, tt.arm)
		}
		if got := Departures(e, a); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s %s: got %q, want %q", tt.experiment, tt.arm, got, tt.want)
		}
	}
}
