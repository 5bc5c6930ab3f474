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
	// TxQueue and RxQueue are the bytes sent and not yet acknowledged,
	// and received and not yet read; for a LISTEN socket RxQueue is its
	// accept queue: the connections completed and not yet accepted.
	TxQueue int `json:"tx_queue,omitempty"`
	RxQueue int `json:"rx_queue,omitempty"`
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
		tx, rx, _ := hexQueues(f[4]) // a row without them still names its socket
		if !lok || !rok || serr != nil || ierr != nil {
			continue
		}
		out = append(out, TCPConn{LocalPort: local, RemotePort: remote, State: tcpStates[int(st)], Inode: inode, TxQueue: tx, RxQueue: rx})
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

// hexQueues reads "TX:RX", the queues' bytes in hex.
func hexQueues(s string) (tx, rx int, ok bool) {
	a, b, found := strings.Cut(s, ":")
	t, terr := strconv.ParseUint(a, 16, 32)
	r, rerr := strconv.ParseUint(b, 16, 32)
	return int(t), int(r), found && terr == nil && rerr == nil
}

// Sockets is what a sample sees of the sockets of the specimen's port in
// its network namespace: the kernel's queues, as ss(8) shows them.
type Sockets struct {
	// AcceptQueue is the connections the kernel has completed and no
	// accept() has taken yet, over the port's listening sockets (several
	// with SO_REUSEPORT); at most backlog+1 each.
	AcceptQueue int `json:"accept_queue"`
	// Listeners counts the port's LISTEN sockets.
	Listeners int `json:"listeners"`
	// States counts the server's ends of the port's connections by state:
	// SYN_RECV (a handshake under way), ESTABLISHED, CLOSE_WAIT (the client
	// has closed, the server not yet), TIME_WAIT, ... The clients' ends,
	// which share the namespace, are left out.
	States map[string]int `json:"states"`
	// RecvQ and SendQ sum the bytes waiting in those connections: received
	// and not read by the server, sent and not acknowledged by the client.
	RecvQ int `json:"recv_q"`
	SendQ int `json:"send_q"`
}

// readSockets counts the sockets of port under root/net/tcp and tcp6.
func readSockets(root string, port int) *Sockets {
	conns := readTCP(root, port)
	if conns == nil {
		return nil
	}
	s := &Sockets{States: map[string]int{}}
	for _, c := range conns {
		if c.LocalPort != port {
			continue // a client's end
		}
		if c.State == "LISTEN" {
			s.Listeners++
			s.AcceptQueue += c.RxQueue
			continue
		}
		s.States[c.State]++
		s.RecvQ += c.RxQueue
		s.SendQ += c.TxQueue
	}
	return s
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
