package load

import (
	"context"
	"io"
	"net"
	"sync/atomic"
	"time"
)

// connectBackoff is the pause after a failed connect: a refused port
// answers in microseconds, and a connection that redialled at once would
// spin a core counting refusals.
const connectBackoff = 10 * time.Millisecond

// A connection's read buffer starts small, as 20 000 connections may share
// a machine, and grows for a server whose header block does not fit, up to
// room for the longest line the parser takes (maxLine) and then some, so
// that a longer one is seen as too long rather than awaited.
const (
	readBuffer    = 4 << 10
	maxReadBuffer = 2 * maxLine
)

// aLongTimeAgo is a deadline in the past: it wakes a blocked read or write.
var aLongTimeAgo = time.Unix(1, 0)

// connection is one of the run's connections: it sends rounds of Pipeline
// requests, reads their responses and starts again, on a new socket after
// any error. Its fields are its own but for the counters Progress reads.
type connection struct {
	g        *generator
	id       int
	conn     net.Conn
	stopConn func() bool   // undoes the AfterFunc that wakes conn at the run's end
	deadline time.Duration // conn's deadline, since the run's start; 0: none yet
	buf      []byte
	r, w     int // buf[r:w] is read but not yet parsed
	p        parser
	b        batch
	quota    int64 // outcomes (responses and errors) left before this connection stops
	round    int64 // the open model: the next round in this connection's schedule
	timer    *timer

	requests atomic.Int64 // for Progress only
	errors   atomic.Int64
}

func newConnection(g *generator, id int, quota int64) *connection {
	return &connection{g: g, id: id, quota: quota, buf: make([]byte, readBuffer)}
}

// run sends rounds until the run ends or the quota is spent.
func (c *connection) run() {
	g := c.g
	defer func() {
		c.hangUp()
		g.rec.flush(&c.b)
		if c.timer != nil {
			c.timer.close()
		}
	}()
	if g.o.Rate > 0 {
		t, err := newTimer(g.ctx)
		if err != nil {
			c.fail(g.now(), kOther)
			return
		}
		c.timer = t
	}
	for c.quota > 0 && !g.stopped.Load() {
		due := g.now()
		if g.o.Rate > 0 {
			due = g.due(c.id, c.round)
			c.round++
			if due >= g.end {
				return
			}
			if wait := due - g.now(); wait > 0 && !c.timer.sleep(wait) {
				return
			}
		}
		if c.conn == nil && !c.dial() {
			continue
		}
		c.send(due, int(min(c.quota, int64(g.o.Pipeline))))
	}
}

// dial opens a socket; on failure it counts the error and backs off.
func (c *connection) dial() bool {
	g := c.g
	conn, err := g.dialer.DialContext(g.ctx, "tcp", g.addr)
	if err != nil {
		if g.over() {
			return false
		}
		k := classify(err)
		if k == kTimeout {
			k = kConnect
		}
		c.fail(g.now(), k)
		if c.timer != nil {
			c.timer.sleep(connectBackoff)
		} else {
			select {
			case <-time.After(connectBackoff):
			case <-g.ctx.Done():
			}
		}
		return false
	}
	c.conn, c.deadline, c.r, c.w = conn, 0, 0, 0
	c.p.reset()
	// A read blocked at the run's end would otherwise wait out its timeout.
	c.stopConn = context.AfterFunc(g.ctx, func() { _ = conn.SetDeadline(aLongTimeAgo) })
	return true
}

// hangUp closes the socket, if any.
func (c *connection) hangUp() {
	if c.conn == nil {
		return
	}
	c.stopConn()
	c.conn.Close()
	c.conn = nil
}

// send writes n requests due at due, then reads their n responses. A
// response that says the server will close, or any error, hangs up.
func (c *connection) send(due time.Duration, n int) {
	g := c.g
	sent := g.now()
	if !c.arm(sent) {
		return
	}
	if _, err := c.conn.Write(g.req[:n*g.reqLen]); err != nil {
		c.lost(err)
		return
	}
	for got := 0; got < n; {
		m, done, err := c.p.parse(c.buf[c.r:c.w])
		c.r += m
		if err != nil {
			c.fail(g.now(), kBadResponse)
			c.hangUp()
			return
		}
		if done {
			got++
			if !c.record(due, sent, c.p.status) {
				return
			}
			if c.p.close || !g.o.KeepAlive {
				c.hangUp() // the rest of a pipelined round is sent again
				return
			}
			continue
		}
		// The buffer ends inside a response: make room and read more.
		if c.r == c.w {
			c.r, c.w = 0, 0
		} else if c.w == len(c.buf) {
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		}
		if c.w == len(c.buf) {
			if len(c.buf) >= maxReadBuffer { // cannot be: parse refuses lines this long
				c.fail(g.now(), kBadResponse)
				c.hangUp()
				return
			}
			c.buf = append(c.buf, make([]byte, len(c.buf))...)
		}
		k, err := c.conn.Read(c.buf[c.w:])
		c.w += k
		if err == io.EOF && c.p.eof() {
			// A body that runs until EOF has just ended.
			c.record(due, sent, c.p.status)
			c.hangUp()
			return
		}
		if err != nil {
			c.lost(err)
			return
		}
	}
}

// arm sets the socket's deadline for a round sent at sent. Setting one per
// request costs a runtime timer update each; instead the deadline is moved
// only when it falls short, to an eighth of a timeout beyond, so a request
// times out between one and 9/8 timeouts after its send.
func (c *connection) arm(sent time.Duration) bool {
	g := c.g
	want := sent + g.o.Timeout
	if c.deadline >= want {
		return true
	}
	c.deadline = want + g.o.Timeout/8
	_ = c.conn.SetDeadline(g.start.Add(c.deadline))
	// The run's end may have set a past deadline just before this one.
	return !g.over()
}

// record counts one response, due at due and written at sent; false means
// it came after the run's end and the connection must stop.
func (c *connection) record(due, sent time.Duration, status int) bool {
	g := c.g
	now := g.now()
	if now >= g.end {
		g.stopped.Store(true)
		return false
	}
	sec := int(now / time.Second)
	c.b.add(g.rec, sec, micros(now-due), micros(now-sent))
	c.requests.Add(1)
	c.quota--
	if status < 200 || status > 299 {
		g.rec.fail(sec, kStatus)
		c.errors.Add(1)
	}
	return true
}

// lost counts a socket error, unless the run's end caused it, and hangs up.
func (c *connection) lost(err error) {
	if !c.g.over() {
		c.fail(c.g.now(), classify(err))
	}
	c.hangUp()
}

// fail counts one error of kind k at now.
func (c *connection) fail(now time.Duration, k kind) {
	c.g.rec.fail(int(now/time.Second), k)
	c.errors.Add(1)
	c.quota--
}

// micros turns a duration into the histograms' microseconds.
func micros(d time.Duration) int64 {
	return max(0, int64(d/time.Microsecond))
}
