// Package http1 is the lab's own HTTP/1.1 server, one goroutine per
// connection. It serves any http.Handler unchanged: a handler gets
// net/http's *http.Request and writes to an http.ResponseWriter (and
// http.Flusher). Everything on the wire is this package's own, not
// net/http's server: parsing by RFC 9112 with the C specimens' limits and
// statuses, keep-alive, pipelining, framing, timeouts, the close.
package http1

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// Defaults of the options.
const (
	// DefaultIdleTimeout is how long a connection may wait for a request's
	// first byte, and then for the rest of it, as the C specimens' --idle-timeout.
	DefaultIdleTimeout = 5 * time.Second
	// DefaultServer is the Server field of every response that sets none.
	DefaultServer = "serverlab-goroutines"
)

// After a reply that ends the connection the server reads and drops what
// the client still sends, this much at most for this long at most, before
// it closes: the C specimens' LINGER_MAX_BYTES and LINGER_MS.
const (
	lingerBytes = 1 << 20
	lingerTime  = time.Second
)

// Options are the server's settings.
type Options struct {
	IdleTimeout time.Duration // 0: wait for ever
	Delay       time.Duration // sleep after each reply
	Server      string        // the Server field
}

// Option changes the Options.
type Option func(*Options)

// WithIdleTimeout sets how long a connection may idle between requests, and
// how long a request, once begun, may take to arrive (then: 408). Each write
// must also finish within it: a client that stops reading is dropped like
// one that stops sending. 0 waits for ever.
func WithIdleTimeout(d time.Duration) Option { return func(o *Options) { o.IdleTimeout = d } }

// WithDelay makes the connection sleep for d after each reply, before it
// reads the next request or closes: the seed's slow handler.
func WithDelay(d time.Duration) Option { return func(o *Options) { o.Delay = d } }

// WithServer sets the Server field of responses whose handler sets none.
func WithServer(name string) Option { return func(o *Options) { o.Server = name } }

// Serve accepts connections on l and serves each in a goroutine of its own
// with h, until Accept fails: it returns that error. Unlike net/http, which
// sleeps and retries on EMFILE, Serve gives up, as the C specimens die on a
// failed accept(); EINTR and ECONNABORTED never get here, Go's poller
// retries them.
func Serve(l net.Listener, h http.Handler, opts ...Option) error {
	o := Options{IdleTimeout: DefaultIdleTimeout, Server: DefaultServer}
	for _, opt := range opts {
		opt(&o)
	}
	for {
		nc, err := l.Accept()
		if err != nil {
			return err
		}
		go newConn(nc, h, &o).serve()
	}
}

// conn is one client's connection and what it reuses from request to request.
type conn struct {
	rwc     net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	body    []byte // held-back response body, bufferedBody at most
	handler http.Handler
	o       *Options
	ctx     context.Context
}

func newConn(nc net.Conn, h http.Handler, o *Options) *conn {
	return &conn{
		rwc:     nc,
		br:      bufio.NewReader(nc),
		bw:      bufio.NewWriter(deadlineWriter{nc, o.IdleTimeout}),
		body:    make([]byte, 0, bufferedBody),
		handler: h,
		o:       o,
		ctx:     context.WithValue(context.Background(), http.LocalAddrContextKey, nc.LocalAddr()),
	}
}

// serve answers the connection's requests in order, one at a time, until
// the client closes, asks to close, idles, or sends something it must not.
// Pipelined requests wait in br, read only when their turn comes.
func (c *conn) serve() {
	for {
		c.readWithin(c.o.IdleTimeout)
		if err := skipEmptyLines(c.br); err != nil {
			c.end(err, false)
			return
		}
		// The request has begun: it has the idle timeout again to arrive.
		c.readWithin(c.o.IdleTimeout)
		h, err := readHead(c.br)
		if err == nil && h.expect100 {
			c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			err = c.bw.Flush()
		}
		var body []byte
		if err == nil {
			body, err = readBody(c.br, h)
		}
		if err != nil {
			c.end(err, true)
			return
		}
		if !c.respond(h, body) {
			return
		}
	}
}

// respond runs the handler on one request and says whether the connection
// carries on.
func (c *conn) respond(h *head, body []byte) bool {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel() // as net/http: the request's context ends with its handler
	w := newResponse(c, h)
	if !c.run(w, h.request(ctx, body, c.rwc.RemoteAddr().String())) {
		c.closeLingering()
		return false
	}
	if err := w.finish(); err != nil {
		c.rwc.Close() // the client is gone
		return false
	}
	c.pause()
	if w.close {
		c.closeLingering()
		return false
	}
	return true
}

// run calls the handler. A panic is the handler's failure, not the
// server's: if nothing of its reply has left, the client gets a 500; the
// connection closes either way, its state unknown. http.ErrAbortHandler
// is the same, without the 500 mattering.
func (c *conn) run(w *response, r *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if !w.sent {
				c.reply(&refusal{status: http.StatusInternalServerError, head: w.head})
			}
			ok = false
		}
	}()
	c.handler.ServeHTTP(w, r)
	return true
}

// end closes the connection after err. A refusal is answered first, and so
// is a request begun but not complete within the idle timeout (408); EOF,
// a reset or an idle timeout between requests end it without a word.
func (c *conn) end(err error, begun bool) {
	var r *refusal
	switch {
	case errors.As(err, &r):
	case begun && errors.Is(err, os.ErrDeadlineExceeded):
		r = &refusal{status: http.StatusRequestTimeout}
	default:
		c.rwc.Close()
		return
	}
	c.reply(r)
	c.pause()
	c.closeLingering()
}

// reply sends the server's own answer to a request it refuses: the reason
// phrase as a plain-text body, and Connection: close.
func (c *conn) reply(r *refusal) {
	w := &response{c: c, minor: 1, head: r.head, header: http.Header{}, declared: -1, close: true}
	w.header.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(r.status)
	io.WriteString(w, reason(r.status)+"\n")
	w.finish()
}

// closeLingering half-closes (the client sees EOF after the reply), then
// reads and drops what the client still sends, bounded, before it closes.
// Closing a socket with unread input makes the kernel send RST instead of
// FIN, and an RST can destroy the reply at the client before it is read.
func (c *conn) closeLingering() {
	if hc, ok := c.rwc.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
		c.rwc.SetReadDeadline(time.Now().Add(lingerTime))
		io.CopyN(io.Discard, c.br, lingerBytes)
	}
	c.rwc.Close()
}

// readWithin sets the read deadline d from now; 0 means none.
func (c *conn) readWithin(d time.Duration) {
	var t time.Time
	if d > 0 {
		t = time.Now().Add(d)
	}
	c.rwc.SetReadDeadline(t)
}

// pause is the delay after each reply, the seed's slow handler.
func (c *conn) pause() {
	if c.o.Delay > 0 {
		time.Sleep(c.o.Delay)
	}
}

// deadlineWriter gives each write to the connection its own deadline, so
// that a long response may take its time while a stalled client is dropped.
type deadlineWriter struct {
	c net.Conn
	d time.Duration
}

func (w deadlineWriter) Write(p []byte) (int, error) {
	if w.d > 0 {
		w.c.SetWriteDeadline(time.Now().Add(w.d))
	}
	return w.c.Write(p)
}
