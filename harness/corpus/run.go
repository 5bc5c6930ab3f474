package corpus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/serverlab/serverlab/harness/client"
)

// Result is one case's record: what its connection showed, the liveness
// probe after it, and the verdict. Plain JSON-tagged data.
type Result struct {
	Case string `json:"case"`
	// Statuses are the final replies' status codes, in order.
	Statuses []int `json:"statuses,omitempty"`
	Observation
	// Violation names how the outcome departs from the allowed ones; ""
	// when it does not.
	Violation string `json:"violation,omitempty"`
	Allowed   string `json:"allowed"`
	RFC       string `json:"rfc"`
}

// maxRaw bounds what is kept of a connection's replies: a hundred
// pipelined replies are some 20 KB.
const maxRaw = 256 << 10

// Run sends each case on its own connection, one case after another (a
// one-at-a-time specimen must not see two at once), and streams one Result
// per case as it ends. The channel closes when every case has run, ctx is
// done, or the run's Budget is spent. Options that cannot make a run, or a
// case without input, are an error before anything is dialled.
func Run(ctx context.Context, cases []Case, opts ...Option) (<-chan Result, error) {
	o := NewOptions(opts...)
	if err := o.Validate(); err != nil {
		return nil, err
	}
	for _, c := range cases {
		if c.Input == nil && c.Way != Silent {
			return nil, fmt.Errorf("case %s: no input", c.Name)
		}
	}
	out := make(chan Result)
	go func() {
		defer close(out)
		run, cancel := context.WithTimeout(ctx, Budget(cases, o))
		defer cancel()
		for _, c := range cases {
			if run.Err() != nil {
				return
			}
			r := o.attempt(run, c)
			select {
			case out <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// attempt runs one case and judges it.
func (o Options) attempt(ctx context.Context, c Case) Result {
	ob := o.observe(ctx, c)
	ob.Alive, ob.Probe = o.alive(ctx)
	return Result{
		Case:        c.Name,
		Statuses:    Statuses(ob.Replies),
		Observation: ob,
		Violation:   Judge(c, ob),
		Allowed:     c.Expect.Allowed(),
		RFC:         c.RFC,
	}
}

func (o Options) addr() string { return net.JoinHostPort(o.Host, strconv.Itoa(o.Port)) }

// observe opens the case's connection, sends its input its way while
// reading every reply, until the server closes or resets it, or the
// case's deadline passes.
func (o Options) observe(ctx context.Context, c Case) Observation {
	ob := Observation{Deadline: c.Deadline(o)}
	start := time.Now()
	deadline := start.Add(ob.Deadline)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", o.addr())
	if err != nil {
		ob.ReadError = "connect: " + err.Error()
		return ob
	}
	conn := nc.(*net.TCPConn)
	defer conn.Close()
	_ = conn.SetDeadline(deadline)
	// A run cancelled midway ends the case at once.
	defer context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })()
	var input []byte
	if c.Input != nil {
		input = c.Input()
	}

	if c.Way == Abort {
		n, err := conn.Write(input)
		ob.Sent = int64(n)
		ob.WriteError = writeError(err)
		// SO_LINGER 0: close() discards what is unsent and sends RST.
		_ = conn.SetLinger(0)
		_ = conn.Close()
		ob.Duration = time.Since(start)
		return ob
	}

	stop := make(chan struct{})
	wrote := make(chan struct{})
	var sent int64
	var werr error
	go func() {
		defer close(wrote)
		sent, werr = send(conn, c.Way, input, o.Trickle, stop)
	}()
	raw, last, rerr := readAll(conn)
	ob.Duration = time.Since(start)
	if !last.IsZero() {
		ob.Quiet = time.Since(last)
	}
	close(stop)
	_ = conn.SetWriteDeadline(time.Now()) // a write still blocked ends now
	<-wrote
	ob.Sent = sent
	if !isTimeout(werr) { // a timeout is ours: the reading had ended
		ob.WriteError = writeError(werr)
	}

	switch {
	case errors.Is(rerr, io.EOF):
		ob.Closed = true
	case errors.Is(rerr, syscall.ECONNRESET):
		ob.Reset = true
	case isTimeout(rerr):
		ob.TimedOut = true
	default:
		ob.ReadError = "read: " + rerr.Error()
	}
	var rest []byte
	ob.Replies, rest = Replies(raw, c.Expect.Head)
	if len(rest) > 0 {
		ob.Garbage = quote(rest)
	}
	return ob
}

// readAll reads until an error, EOF included, keeping maxRaw bytes, and
// says when the last byte came.
func readAll(conn net.Conn) ([]byte, time.Time, error) {
	var raw []byte
	var last time.Time
	buf := make([]byte, 32<<10)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			last = time.Now()
			if len(raw) < maxRaw {
				raw = append(raw, buf[:min(n, maxRaw-len(raw))]...)
			}
		}
		if err != nil {
			return raw, last, err
		}
	}
}

// send writes input the case's way until it is all out, a write fails, or
// stop closes, and returns how many bytes went out.
func send(conn *net.TCPConn, way Way, input []byte, trickle time.Duration, stop <-chan struct{}) (int64, error) {
	switch way {
	case Silent:
		return 0, nil
	case Bytewise:
		// Go sets TCP_NODELAY: each byte leaves in a segment of its own.
		for i := range input {
			if _, err := conn.Write(input[i : i+1]); err != nil {
				return int64(i), err
			}
			select {
			case <-stop:
				return int64(i + 1), nil
			case <-time.After(time.Millisecond):
			}
		}
		return int64(len(input)), nil
	}
	n, err := conn.Write(input)
	sent := int64(n)
	if err != nil {
		return sent, err
	}
	switch way {
	case HalfClose:
		return sent, conn.CloseWrite()
	case Trickle:
		// A field line at a time, never the empty line that ends them.
		tick := time.NewTicker(trickle)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return sent, nil
			case <-tick.C:
			}
			n, err := fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i)
			sent += int64(n)
			if err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

// writeError names a write's failure: EPIPE and ECONNRESET by their errno
// names (the server stopped reading), anything else as it is.
func writeError(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syscall.EPIPE):
		return "EPIPE"
	case errors.Is(err, syscall.ECONNRESET):
		return "ECONNRESET"
	}
	return err.Error()
}

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
}

// alive sends Probe on a new connection and says whether 200 came back,
// and if not, why.
func (o Options) alive(ctx context.Context) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, o.Probe)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", o.addr())
	if err != nil {
		return false, "connect: " + err.Error()
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := io.WriteString(conn, Probe); err != nil {
		return false, "write: " + err.Error()
	}
	var raw []byte
	buf := make([]byte, 4096)
	for !client.Complete(raw) {
		n, err := conn.Read(buf)
		raw = append(raw, buf[:n]...)
		if err != nil {
			if errors.Is(err, io.EOF) && len(raw) > 0 {
				break // a close-delimited reply
			}
			return false, fmt.Sprintf("read: %v after %s", err, quote(raw))
		}
		if len(raw) > maxRaw {
			return false, "reply over " + strconv.Itoa(maxRaw) + " bytes"
		}
	}
	rep, err := client.ParseReply(raw)
	if err != nil {
		return false, err.Error()
	}
	if rep.Status != 200 {
		return false, fmt.Sprintf("GET /hello: %d", rep.Status)
	}
	return true, ""
}
