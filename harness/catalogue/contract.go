package catalogue

// The wires a specimen speaks (--wire).
const (
	// WireSeed is the article's: one recv() of up to 1024 bytes, whatever
	// it holds, then SeedReply and nothing else, then the delay, then close.
	WireSeed = "seed"
	// WireHTTP is conformant HTTP/1.1: keep-alive, pipelining, statuses.
	WireHTTP = "http"
	// SeedReply is the article's response, byte for byte: its Python source
	// writes it as a triple-quoted string, so its lines end in bare LF.
	SeedReply = "HTTP/1.1 200 OK\n\nHello, World!\n"
	// HelloBody is the body every specimen sends for GET /hello.
	HelloBody = "Hello, World!\n"
)

// Log words: what the specimens write on stderr and the harness matches.
// servers/c/common.h defines the same strings for the C specimens; a
// specimen test checks them in real logs.
const (
	LogListening = "listening "  // the first line, once the socket listens
	LogAccept    = "accept fd="  // a connection accepted
	LogFork      = "fork child=" // a child forked for a connection
	LogReap      = "reap child=" // a child waited for
	LogRestart   = "restarting"  // ends an accept: EINTR line the server survives
	LogWorker    = "worker="     // prefork: which worker accepted
)

// Errno names, as the specimens log a failed call: "accept: EMFILE (...)".
// Match these, never a libc's strerror text.
const (
	EMFILE = "EMFILE"
	EAGAIN = "EAGAIN"
	EINTR  = "EINTR"
)

// Failed returns the start of the line a specimen logs when call fails
// with errno: "accept: EMFILE".
func Failed(call, errno string) string { return call + ": " + errno }
