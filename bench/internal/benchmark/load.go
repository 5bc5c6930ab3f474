package benchmark

import (
	"fmt"
	"time"
)

// The load a benchmark puts on a server unless its flags -c, -d and
// -rounds say otherwise.
const (
	DefaultConnections = 64
	DefaultDuration    = 10 * time.Second
	DefaultRounds      = 3
)

// CheckLoad says what is wrong with a load, if anything: rounds and
// connections of at least 1, runs of at least a second, wrk's unit.
func CheckLoad(conns int, d time.Duration, rounds int) error {
	switch {
	case rounds < 1:
		return fmt.Errorf("rounds %d: want at least 1", rounds)
	case conns < 1:
		return fmt.Errorf("connections %d: want at least 1", conns)
	case d < time.Second:
		return fmt.Errorf("duration %v: want at least 1s, wrk's unit", d)
	}
	return nil
}
