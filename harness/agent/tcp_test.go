package agent

import (
	"path/filepath"
	"reflect"
	"testing"
)

// procNetTCP is /proc/net/tcp of a 3d trial during the hang, as the kernel
// writes it: the listener, the client's end (the agent's socket), the
// specimen's end that the parent still holds, and an orphan of an earlier
// connection that no process holds any more (inode 0).
const procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000 20005        0 51234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:A4F2 0100007F:22B8 01 00000000:00000000 00:00000000 00000000     0        0 51300 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:22B8 0100007F:A4F2 01 00000000:00000000 00:00000000 00000000 20005        0 51301 1 0000000000000000 20 4 31 10 -1
   3: 0100007F:22B8 0100007F:A4E0 05 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 31 10 -1
   4: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 31 10 -1
`

func TestParseTCP(t *testing.T) {
	got := parseTCP([]byte(procNetTCP))
	want := []TCPConn{
		{LocalPort: 8888, RemotePort: 0, State: "LISTEN", Inode: 51234},
		{LocalPort: 42226, RemotePort: 8888, State: "ESTABLISHED", Inode: 51300},
		{LocalPort: 8888, RemotePort: 42226, State: "ESTABLISHED", Inode: 51301},
		{LocalPort: 8888, RemotePort: 42208, State: "FIN_WAIT2", Inode: 0},
		{LocalPort: 8080, RemotePort: 40960, State: "ESTABLISHED", Inode: 777},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseTCP\n got %+v\nwant %+v", got, want)
	}
}

func TestReadTCPKeepsThePort(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "net", "tcp"), procNetTCP)
	write(t, filepath.Join(root, "net", "tcp6"), "  sl  local_address remote_address st\n   0: 00000000000000000000000001000000:22B8 00000000000000000000000001000000:B000 01 0 0 0 0 0 0 9001 1\n")
	tests := []struct {
		name string
		port int
		want int // rows
	}{
		// every row to or from 8888, in both files
		{"8888", 8888, 5},
		// the other port
		{"8080", 8080, 1},
		// port 0 asks for nothing
		{"none", 0, 0},
	}
	for _, tt := range tests {
		if got := readTCP(root, tt.port); len(got) != tt.want {
			t.Errorf("%s: readTCP got %d rows %+v, want %d", tt.name, len(got), got, tt.want)
		}
	}
}

func TestServerSide(t *testing.T) {
	s := Snapshot{TCP: parseTCP([]byte(procNetTCP))}
	tests := []struct {
		name       string
		clientPort int
		wantInode  uint64
		wantOK     bool
	}{
		// the specimen's end of the client's connection
		{"held", 42226, 51301, true},
		// an orphan: found, but no process holds it
		{"orphan", 42208, 0, true},
		// a client port with no connection
		{"absent", 1, 0, false},
	}
	for _, tt := range tests {
		got, ok := s.ServerSide(8888, tt.clientPort)
		if ok != tt.wantOK || got.Inode != tt.wantInode {
			t.Errorf("%s: ServerSide(8888, %d) = %+v, %v; want inode %d, %v", tt.name, tt.clientPort, got, ok, tt.wantInode, tt.wantOK)
		}
	}
}

// procNetTCPBacklog is /proc/net/tcp of a busy iterative server with
// backlog 5: the listener's accept queue full (rx_queue 6), the client it
// serves, one whose request waits unread (rx_queue 0x4e bytes), one it
// closed that the server has not (CLOSE_WAIT), a handshake under way
// (SYN_RECV), and the clients' own ends, which are left out.
const procNetTCPBacklog = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:22B8 00000000:0000 0A 00000000:00000006 00:00000000 00000000 20005        0 51234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:22B8 0100007F:A4F2 01 0000001A:00000000 00:00000000 00000000 20005        0 51301 1 0000000000000000 20 4 31 10 -1
   2: 0100007F:22B8 0100007F:A4F4 01 00000000:0000004E 00:00000000 00000000     0        0 51302 1 0000000000000000 20 4 31 10 -1
   3: 0100007F:22B8 0100007F:A4F6 08 00000000:00000001 00:00000000 00000000     0        0 51303 1 0000000000000000 20 4 31 10 -1
   4: 0100007F:22B8 0100007F:A4F8 03 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 20 4 31 10 -1
   5: 0100007F:A4F2 0100007F:22B8 01 00000000:00000000 00:00000000 00000000     0        0 51300 1 0000000000000000 20 4 30 10 -1
`

func TestReadSockets(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "net", "tcp"), procNetTCPBacklog)
	got := readSockets(root, 8888)
	want := &Sockets{AcceptQueue: 6, Listeners: 1, States: map[string]int{"ESTABLISHED": 2, "CLOSE_WAIT": 1, "SYN_RECV": 1},
		RecvQ: 0x4e + 1, SendQ: 0x1a}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readSockets\n got %+v\nwant %+v", got, want)
	}
	if got := readSockets(t.TempDir(), 8888); got != nil {
		t.Errorf("readSockets without /proc/net/tcp = %+v, want nil", got)
	}
}
