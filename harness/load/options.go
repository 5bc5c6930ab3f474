package load

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Defaults for Options, shared with the CLI's flags. They are wrk's where
// wrk has one.
const (
	DefaultConnections = 10
	DefaultDuration    = 10 * time.Second
	DefaultKeepAlive   = true
	DefaultPipeline    = 1
	DefaultTimeout     = 2 * time.Second
	// DefaultProgressEvery is how often a Progress callback is called.
	DefaultProgressEvery = 250 * time.Millisecond
)

// Bounds every run keeps, whatever its options say: a load generator that
// can be told to run for a day or open a million sockets will be, by a typo.
const (
	MaxDuration    = 10 * time.Minute
	MaxRequests    = 100_000_000
	MaxConnections = 20_000
	MaxPipeline    = 1024
	MaxRate        = 10_000_000.0 // requests per second
	MaxTimeout     = time.Minute
)

// Options says what to load and how.
type Options struct {
	Target      string        // http://host[:port]/path: loopback unless Allow says otherwise
	Connections int           // concurrent connections
	Duration    time.Duration // the run ends at Duration, or sooner after Requests outcomes
	Requests    int64         // outcomes (responses and errors) before the run ends; 0: Duration alone (and MaxRequests)
	KeepAlive   bool          // false: "Connection: close" and a new connection for every request
	Pipeline    int           // requests sent back to back before reading their responses
	// Rate, when above zero, is the open model: requests per second over
	// all connections, each sent at its own scheduled time and timed from it.
	// Zero is the closed model: each connection sends as soon as it is answered.
	Rate    float64
	Timeout time.Duration // connect, or a response after its request was sent
	// Allow accepts a host outside loopback (a lab container's name). Nil
	// allows loopback only: 127.0.0.0/8, ::1 and localhost.
	Allow func(host string) bool
	// Progress, when set, is called every ProgressEvery from the run's own
	// goroutine, never concurrently, with the counts so far.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Progress is a run's live count, for a progress line.
type Progress struct {
	Elapsed  time.Duration
	Requests int64 // complete responses
	Errors   int64
}

// Option changes Options.
type Option func(*Options)

// WithConnections sets the number of concurrent connections.
func WithConnections(n int) Option { return func(o *Options) { o.Connections = n } }

// WithDuration sets how long the run lasts.
func WithDuration(d time.Duration) Option { return func(o *Options) { o.Duration = d } }

// WithRequests ends the run after n outcomes (responses and errors), or at
// its duration if that comes first.
func WithRequests(n int64) Option { return func(o *Options) { o.Requests = n } }

// WithKeepAlive false sends "Connection: close" and reconnects for every request.
func WithKeepAlive(on bool) Option { return func(o *Options) { o.KeepAlive = on } }

// WithPipeline sends n requests back to back on a connection, then reads
// their n responses.
func WithPipeline(n int) Option { return func(o *Options) { o.Pipeline = n } }

// WithRate switches to the open model: r requests per second in all, at
// constant intervals, spread over the connections; 0 is the closed model.
func WithRate(r float64) Option { return func(o *Options) { o.Rate = r } }

// WithTimeout bounds a connect, and a response from its request's send.
func WithTimeout(d time.Duration) Option { return func(o *Options) { o.Timeout = d } }

// WithAllow accepts the hosts outside loopback for which allow returns true.
func WithAllow(allow func(host string) bool) Option { return func(o *Options) { o.Allow = allow } }

// WithProgress calls fn every interval with the counts so far.
func WithProgress(every time.Duration, fn func(Progress)) Option {
	return func(o *Options) { o.ProgressEvery, o.Progress = every, fn }
}

// NewOptions returns the defaults for target, changed by opts.
func NewOptions(target string, opts ...Option) Options {
	o := Options{
		Target:        target,
		Connections:   DefaultConnections,
		Duration:      DefaultDuration,
		KeepAlive:     DefaultKeepAlive,
		Pipeline:      DefaultPipeline,
		Timeout:       DefaultTimeout,
		ProgressEvery: DefaultProgressEvery,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Validate reports the first option that cannot make a run, by name.
func (o Options) Validate() error {
	_, err := o.endpoint()
	return err
}

// endpoint is a validated target: where to dial and what to send.
type endpoint struct {
	host    string // as the URL names it, for the allow check and the resolver
	port    string
	hostHdr string // the Host header: the URL's host[:port]
	path    string // the request target: path and query
}

// endpoint checks every option and parses the target.
func (o Options) endpoint() (endpoint, error) {
	switch {
	case o.Connections < 1 || o.Connections > MaxConnections:
		return endpoint{}, fmt.Errorf("connections %d: want 1 to %d", o.Connections, MaxConnections)
	case o.Duration <= 0 || o.Duration > MaxDuration:
		return endpoint{}, fmt.Errorf("duration %v: want above 0 and at most %v", o.Duration, MaxDuration)
	case o.Requests < 0 || o.Requests > MaxRequests:
		return endpoint{}, fmt.Errorf("requests %d: want 0 (no bound) to %d", o.Requests, MaxRequests)
	case o.Pipeline < 1 || o.Pipeline > MaxPipeline:
		return endpoint{}, fmt.Errorf("pipeline %d: want 1 to %d", o.Pipeline, MaxPipeline)
	case o.Pipeline > 1 && !o.KeepAlive:
		// The server closes after the first response: the rest would be lost.
		return endpoint{}, fmt.Errorf("pipeline %d: needs keepalive", o.Pipeline)
	case !(o.Rate >= 0 && o.Rate <= MaxRate): // also refuses NaN
		return endpoint{}, fmt.Errorf("rate %v: want 0 (closed model) to %v requests per second", o.Rate, MaxRate)
	case o.Timeout <= 0 || o.Timeout > MaxTimeout:
		return endpoint{}, fmt.Errorf("timeout %v: want above 0 and at most %v", o.Timeout, MaxTimeout)
	case o.Progress != nil && o.ProgressEvery <= 0:
		return endpoint{}, fmt.Errorf("progress interval %v: must be positive", o.ProgressEvery)
	}
	u, err := url.Parse(o.Target)
	if err != nil {
		return endpoint{}, fmt.Errorf("target %q: %w", o.Target, err)
	}
	if u.Scheme != "http" {
		return endpoint{}, fmt.Errorf("target %q: scheme %q: want http", o.Target, u.Scheme)
	}
	if u.Hostname() == "" {
		return endpoint{}, fmt.Errorf("target %q: no host", o.Target)
	}
	if u.User != nil {
		return endpoint{}, fmt.Errorf("target %q: user info is not supported", o.Target)
	}
	e := endpoint{host: u.Hostname(), port: u.Port(), hostHdr: u.Host, path: u.RequestURI()}
	if e.port == "" {
		e.port = "80"
	}
	if p, err := strconv.Atoi(e.port); err != nil || p < 1 || p > 65535 {
		return endpoint{}, fmt.Errorf("target %q: port %q out of range", o.Target, e.port)
	}
	if !o.allowed(e.host) {
		return endpoint{}, fmt.Errorf("target %q: host %q is outside loopback (127.0.0.0/8, ::1, localhost) "+
			"and not allowed", o.Target, e.host)
	}
	return e, nil
}

// allowed says whether the run may dial host.
func (o Options) allowed(host string) bool {
	return Loopback(host) || (o.Allow != nil && o.Allow(host))
}

// Loopback says whether host is a loopback address or localhost. A load
// generator must never aim at another machine by accident.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// request returns the bytes a connection sends for one round: pipeline
// copies of one GET, built once so that sending allocates nothing.
func (o Options) request(e endpoint) []byte {
	one := "GET " + e.path + " HTTP/1.1\r\nHost: " + e.hostHdr + "\r\n"
	if !o.KeepAlive {
		one += "Connection: close\r\n"
	}
	one += "\r\n"
	b := make([]byte, 0, len(one)*o.Pipeline)
	for range o.Pipeline {
		b = append(b, one...)
	}
	return b
}
