// Package client is the seed's client3 done right: N concurrent clients, each
// opening M connections one after another, and for every connection an outcome
// in the words of the lessons (replied, refused, reset, timed out, reply
// without EOF) with its timings.
package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Defaults for Options, shared with the CLI's flags.
const (
	DefaultHost    = "127.0.0.1"
	DefaultPort    = 8888
	DefaultClients = 1
	DefaultConns   = 1
	DefaultTimeout = 30 * time.Second // SYNs dropped by a full backlog are retried at 1, 3, 7, 15 s
	DefaultPath    = "/hello"
	// DefaultRamp spreads the clients' starts: client3 forks its clients
	// one by one, so their connects arrive over a while, not in one burst.
	// A burst of hundreds against the seed's backlog of 5 is the backlog
	// lesson, not the one client3 is for; Ramp 0 releases every client at once.
	DefaultRamp = time.Second
	// maxReply bounds what is kept of one reply: the specimens' replies are
	// a few hundred bytes, and a client must not grow without bound.
	maxReply = 64 << 10
	// MaxHold bounds how long a connection may be held open.
	MaxHold = 10 * time.Minute
)

// Options says whom to hit and how hard.
type Options struct {
	Host    string
	Port    int
	Clients int           // concurrent clients, started over Ramp
	Conns   int           // connections each client opens, one after another
	Timeout time.Duration // per connection: connect, reply and EOF must all come within it
	Ramp    time.Duration // client i starts at i*Ramp/Clients; 0 starts all at once
	// Request is what each connection sends. Empty means the seed's request:
	// "GET <Path> HTTP/1.1" with bare LF line ends, as client3 sends it.
	Request []byte
	Path    string
	// Hold keeps each connection open at least this long from its start:
	// an idle keep-alive client after its reply, or a stalled one that
	// sent half a request and waits. 0 closes as soon as the reply is whole.
	Hold time.Duration
	// Every starts each client's connections this far apart, whether the
	// one before has ended or not (a probe every 100 ms); 0 opens them one
	// after another.
	Every time.Duration
}

// Option changes Options.
type Option func(*Options)

// WithTarget sets host and port.
func WithTarget(host string, port int) Option {
	return func(o *Options) { o.Host, o.Port = host, port }
}

// WithClients sets the number of concurrent clients and connections each.
func WithClients(clients, conns int) Option {
	return func(o *Options) { o.Clients, o.Conns = clients, conns }
}

// WithRamp spreads the clients' starts over d; 0 releases them at once.
func WithRamp(d time.Duration) Option { return func(o *Options) { o.Ramp = d } }

// WithTimeout sets the per-connection deadline.
func WithTimeout(d time.Duration) Option { return func(o *Options) { o.Timeout = d } }

// WithPath sends the seed's request for another path.
func WithPath(path string) Option { return func(o *Options) { o.Path = path } }

// WithRequest sends raw bytes instead of the seed's request.
func WithRequest(raw []byte) Option { return func(o *Options) { o.Request = raw } }

// WithHold keeps each connection open at least d from its start.
func WithHold(d time.Duration) Option { return func(o *Options) { o.Hold = d } }

// WithEvery starts each client's connections d apart.
func WithEvery(d time.Duration) Option { return func(o *Options) { o.Every = d } }

// NewOptions returns the defaults changed by opts.
func NewOptions(opts ...Option) Options {
	o := Options{
		Host:    DefaultHost,
		Port:    DefaultPort,
		Clients: DefaultClients,
		Conns:   DefaultConns,
		Timeout: DefaultTimeout,
		Ramp:    DefaultRamp,
		Path:    DefaultPath,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Validate reports options that cannot make a run.
func (o Options) Validate() error {
	switch {
	case o.Clients < 1 || o.Clients > 10000:
		return fmt.Errorf("clients %d: want 1 to 10000", o.Clients)
	case o.Conns < 1 || o.Conns > 10000:
		return fmt.Errorf("conns %d: want 1 to 10000", o.Conns)
	case o.Ramp < 0:
		return fmt.Errorf("ramp %v: must not be negative", o.Ramp)
	case o.Timeout <= 0:
		return fmt.Errorf("timeout %v: must be positive", o.Timeout)
	case o.Hold < 0 || o.Hold > MaxHold:
		return fmt.Errorf("hold %v: want 0 to %v", o.Hold, MaxHold)
	case o.Every < 0:
		return fmt.Errorf("every %v: must not be negative", o.Every)
	case o.Port < 1 || o.Port > 65535:
		return fmt.Errorf("port %d: out of range", o.Port)
	case !Loopback(o.Host):
		return fmt.Errorf("host %q: the lab only dials loopback (127.0.0.0/8, ::1, localhost), "+
			"where its specimens and playground ports are", o.Host)
	}
	return nil
}

// Loopback says whether host is a loopback address or localhost: the
// lab's clients (load, hostile input) aim at its own specimens, never at
// another machine.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (o Options) request() []byte {
	if len(o.Request) > 0 {
		return o.Request
	}
	return []byte("GET " + o.Path + " HTTP/1.1\nHost: localhost:" + strconv.Itoa(o.Port) + "\n\n")
}

// Run starts the clients and streams one Result per connection; the channel
// closes when every connection has ended or ctx is done.
func Run(ctx context.Context, o Options) <-chan Result {
	out := make(chan Result)
	go func() {
		defer close(out)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for c := 0; c < o.Clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				<-start
				if o.Ramp > 0 {
					select {
					case <-time.After(o.Ramp * time.Duration(c) / time.Duration(o.Clients)):
					case <-ctx.Done():
						return
					}
				}
				if o.Every > 0 {
					o.every(ctx, c, out)
					return
				}
				for n := 0; n < o.Conns && ctx.Err() == nil; n++ {
					r := o.connect(ctx)
					r.Client, r.Conn = c, n
					out <- r
				}
			}(c)
		}
		close(start)
		wg.Wait()
	}()
	return out
}

// every starts client c's connections o.Every apart, each on its own, so
// that one the server leaves waiting does not delay the next.
func (o Options) every(ctx context.Context, c int, out chan<- Result) {
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	for n := 0; n < o.Conns; n++ {
		if n > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			}
		}
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			r := o.connect(ctx)
			r.Client, r.Conn = c, n
			out <- r
		}(n)
	}
}

// connect makes one connection and classifies what became of it.
func (o Options) connect(ctx context.Context) Result {
	r := Result{Start: time.Now()}
	deadline := r.Start.Add(o.Timeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	if err != nil {
		r.Done = time.Since(r.Start)
		r.Outcome, r.Error = classify(err, false)
		return r
	}
	defer conn.Close()
	r.Connect = time.Since(r.Start)
	if a, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		r.LocalPort = a.Port
	}
	_ = conn.SetDeadline(deadline)

	if _, err := conn.Write(o.request()); err != nil {
		r.Done = time.Since(r.Start)
		r.Outcome, r.Error = classify(err, false)
		return r
	}

	// A held connection waits for its reply only until the hold ends: a
	// stalled client's request never completes.
	if o.Hold > 0 {
		_ = conn.SetReadDeadline(r.Start.Add(min(o.Hold, o.Timeout)))
	}
	buf := make([]byte, 0, 512)
	chunk := make([]byte, 4096)
	for {
		n, err := conn.Read(chunk)
		if n > 0 {
			if len(buf) == 0 {
				r.FirstByte = time.Since(r.Start)
			}
			if len(buf)+n <= maxReply {
				buf = append(buf, chunk[:n]...)
			}
		}
		// A reply whose length is known is whole without EOF: an HTTP/1.1
		// server keeps the connection for the next request. One without
		// (the seed's) lasts until the server closes.
		if err == nil && !Complete(buf) {
			continue
		}
		r.Done = time.Since(r.Start)
		r.Reply = string(buf)
		if rep, perr := ParseReply(buf); perr == nil {
			r.Status = rep.Status
		}
		switch {
		case err == nil:
			r.Outcome = Replied
		case errors.Is(err, io.EOF) && len(buf) > 0:
			r.Outcome, r.EOF = Replied, true
		case errors.Is(err, io.EOF):
			r.Outcome, r.Error, r.EOF = ClosedEmpty, "EOF before any reply", true
		case o.Hold > 0 && isTimeout(err) && len(buf) == 0:
			r.Outcome = Held // as asked: the request never completed, nobody answered
		default:
			r.Outcome, r.Error = classify(err, len(buf) > 0)
		}
		if o.Hold > 0 && r.Outcome != Reset {
			r.EOF = r.EOF || hold(conn, r.Start.Add(o.Hold))
		}
		return r
	}
}

// hold keeps conn open until deadline, reading and dropping whatever comes,
// and says whether the server closed it first.
func hold(conn net.Conn, deadline time.Time) bool {
	_ = conn.SetReadDeadline(deadline)
	_, err := io.Copy(io.Discard, conn)
	return err == nil // io.Copy reports EOF as success
}

// classify names a connection's failure; got says whether reply bytes came.
func classify(err error, got bool) (Outcome, string) {
	msg := err.Error()
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused, msg
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Reset, msg
	case isTimeout(err) && got:
		// The reply came but the server never closed: the 3d lesson.
		return NoEOF, msg
	case isTimeout(err):
		return TimedOut, msg
	}
	return Failed, msg
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}
