package agent

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TCPConn is one row of /proc/net/tcp{,6}: a socket of the network
// namespace, with the inode that names it in its owner's fd/ links.
type TCPConn struct {
	LocalPort  int    `json:"local_port"`
	RemotePort int    `json:"remote_port"`
	State      string `json:"state"` // the kernel's name: ESTABLISHED, LISTEN, FIN_WAIT2, ...
	// Inode is 0 for a socket no process holds any more (an orphan the
	// kernel finishes closing on its own).
	Inode uint64 `json:"inode"`
}

// tcpStates are the kernel's TCP states by the number /proc/net/tcp shows
// (include/net/tcp_states.h).
var tcpStates = map[int]string{
	1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
	6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING",
}

// readTCP returns the connections under root/net/tcp and tcp6 whose local
// or remote port is port; none when port is 0 or the files are unreadable.
func readTCP(root string, port int) []TCPConn {
	if port == 0 {
		return nil
	}
	var out []TCPConn
	for _, name := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(filepath.Join(root, "net", name))
		if err != nil {
			continue
		}
		for _, c := range parseTCP(b) {
			if c.LocalPort == port || c.RemotePort == port {
				out = append(out, c)
			}
		}
	}
	return out
}

// parseTCP reads the rows of /proc/net/tcp: "sl local rem st ... uid
// timeout inode ...", addresses as hex ADDR:PORT.
func parseTCP(b []byte) []TCPConn {
	var out []TCPConn
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), 1<<20)
	first := true
	for sc.Scan() {
		if first { // the header line
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 10 {
			continue
		}
		local, lok := hexPort(f[1])
		remote, rok := hexPort(f[2])
		st, serr := strconv.ParseInt(f[3], 16, 32)
		inode, ierr := strconv.ParseUint(f[9], 10, 64)
		if !lok || !rok || serr != nil || ierr != nil {
			continue
		}
		out = append(out, TCPConn{LocalPort: local, RemotePort: remote, State: tcpStates[int(st)], Inode: inode})
	}
	return out
}

// hexPort returns the port of a hex "ADDR:PORT".
func hexPort(s string) (int, bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return 0, false
	}
	p, err := strconv.ParseUint(s[i+1:], 16, 16)
	return int(p), err == nil
}

// ServerSide returns the specimen's end of the connection a client made from
// clientPort to port: the row whose local port is port and whose remote
// port is clientPort.
func (s Snapshot) ServerSide(port, clientPort int) (TCPConn, bool) {
	for _, c := range s.TCP {
		if c.LocalPort == port && c.RemotePort == clientPort {
			return c, true
		}
	}
	return TCPConn{}, false
}
