package agent

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Net is the network namespace's TCP counters that tell where a connection
// was lost before any server saw it, from /proc/net/netstat. They count
// since the namespace was made; a step's share is after minus before.
type Net struct {
	// ListenOverflows counts handshakes that found a listen queue full;
	// ListenDrops every SYN or handshake a listener dropped, those
	// included.
	ListenOverflows int64 `json:"listen_overflows"`
	ListenDrops     int64 `json:"listen_drops"`
}

// readNet reads root/net/netstat: the namespace of the reader, which the
// agent shares with its specimen.
func readNet(root string) (*Net, error) {
	b, err := os.ReadFile(filepath.Join(root, "net", "netstat"))
	if err != nil {
		return nil, err
	}
	return parseNetstat(b)
}

// parseNetstat reads the TcpExt lines of /proc/net/netstat: a line of
// names, then a line of values, both prefixed "TcpExt:".
func parseNetstat(b []byte) (*Net, error) {
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "TcpExt:" {
			continue
		}
		if names == nil {
			names = f[1:]
			continue
		}
		if len(f)-1 != len(names) {
			return nil, fmt.Errorf("netstat: %d TcpExt names, %d values", len(names), len(f)-1)
		}
		n, found := &Net{}, 0
		for i, name := range names {
			var dst *int64
			switch name {
			case "ListenOverflows":
				dst = &n.ListenOverflows
			case "ListenDrops":
				dst = &n.ListenDrops
			default:
				continue
			}
			v, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("netstat: %s: %w", name, err)
			}
			*dst = v
			found++
		}
		if found != 2 {
			return nil, fmt.Errorf("netstat: no ListenOverflows or ListenDrops among TcpExt")
		}
		return n, nil
	}
	return nil, fmt.Errorf("netstat: no TcpExt values")
}
