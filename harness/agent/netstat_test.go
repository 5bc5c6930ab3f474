package agent

import (
	"runtime"
	"testing"
)

// netstat is /proc/net/netstat's TcpExt pair as Linux 6.18 prints it,
// shortened, with listen-queue drops counted.
const netstat = `TcpExt: SyncookiesSent SyncookiesRecv TW ListenOverflows ListenDrops TCPTimeouts
TcpExt: 0 0 23909 7 9 0
IpExt: InNoRoutes InOctets
IpExt: 0 18153415
`

func TestParseNetstat(t *testing.T) {
	n, err := parseNetstat([]byte(netstat))
	if err != nil {
		t.Fatal(err)
	}
	if n.ListenOverflows != 7 || n.ListenDrops != 9 {
		t.Errorf("got %+v, want overflows 7, drops 9", *n)
	}
	for name, bad := range map[string]string{
		"no TcpExt":     "IpExt: InOctets\nIpExt: 1\n",
		"names only":    "TcpExt: ListenOverflows ListenDrops\n",
		"short values":  "TcpExt: ListenOverflows ListenDrops\nTcpExt: 1\n",
		"not a number":  "TcpExt: ListenOverflows ListenDrops\nTcpExt: 1 x\n",
		"other columns": "TcpExt: TW TWRecycled\nTcpExt: 1 2\n",
	} {
		if n, err := parseNetstat([]byte(bad)); err == nil {
			t.Errorf("%s: got %+v, want an error", name, *n)
		}
	}
}

// TestReadNet reads this machine's own counters: on Linux the file exists
// and holds both.
func TestReadNet(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("procfs is Linux's")
	}
	if _, err := readNet("/proc"); err != nil {
		t.Fatal(err)
	}
}
