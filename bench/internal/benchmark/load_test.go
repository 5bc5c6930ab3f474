package benchmark

import (
	"testing"
	"time"
)

func TestCheckLoad(t *testing.T) {
	tests := []struct {
		name   string
		conns  int
		d      time.Duration
		rounds int
		ok     bool
	}{
		{"the defaults", DefaultConnections, DefaultDuration, DefaultRounds, true},
		{"the least", 1, time.Second, 1, true},
		{"no round", 64, 10 * time.Second, 0, false},
		{"no connection", 0, 10 * time.Second, 3, false},
		{"below wrk's second", 64, 500 * time.Millisecond, 3, false},
	}
	for _, tt := range tests {
		if err := CheckLoad(tt.conns, tt.d, tt.rounds); (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
