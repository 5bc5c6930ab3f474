package corpus

import (
	"fmt"
	"time"

	"github.com/serverlab/serverlab/harness/client"
)

// Defaults for Options, shared with the CLI's flags.
const (
	DefaultHost = "127.0.0.1"
	DefaultPort = 8888
	// DefaultIdle is the specimen's idle timeout (its --idle-timeout), which
	// the slow cases wait against.
	DefaultIdle = 2 * time.Second
	// DefaultMargin is what a slow case waits beyond the idle timeout: the
	// timer's granularity, a lingering close (1 s in the specimens), and a
	// loaded machine.
	DefaultMargin = 3 * time.Second
	// DefaultTimeout bounds every other case: a megabyte on loopback takes
	// milliseconds, and a server that has the whole input answers at once.
	DefaultTimeout = 4 * time.Second
	// DefaultTrickle is how often the slowloris client sends a field line:
	// well within any idle timeout, so that a server that times out each
	// read, not the request, never times it out.
	DefaultTrickle = 250 * time.Millisecond
	// DefaultProbe bounds the liveness probe after each case: it may queue
	// behind the case's lingering close on a one-at-a-time server.
	DefaultProbe = 5 * time.Second
)

// Probe is the request that says a specimen still lives: 200 or it is not
// alive.
const Probe = "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

// Options say whom to test and how long each case may take.
type Options struct {
	Host    string
	Port    int
	Idle    time.Duration // the specimen's idle timeout
	Margin  time.Duration // a slow case's deadline is Idle + Margin
	Timeout time.Duration // every other case's deadline
	Trickle time.Duration // the slowloris client's pace; less than Idle
	Probe   time.Duration // the liveness probe's deadline
}

// Option changes Options.
type Option func(*Options)

// WithTarget sets host and port.
func WithTarget(host string, port int) Option {
	return func(o *Options) { o.Host, o.Port = host, port }
}

// WithIdle sets the specimen's idle timeout, which the slow cases wait against.
func WithIdle(d time.Duration) Option { return func(o *Options) { o.Idle = d } }

// WithMargin sets what a slow case waits beyond the idle timeout.
func WithMargin(d time.Duration) Option { return func(o *Options) { o.Margin = d } }

// WithTimeout sets the deadline of every case that is not slow.
func WithTimeout(d time.Duration) Option { return func(o *Options) { o.Timeout = d } }

// WithTrickle sets the slowloris client's pace.
func WithTrickle(d time.Duration) Option { return func(o *Options) { o.Trickle = d } }

// WithProbe sets the liveness probe's deadline.
func WithProbe(d time.Duration) Option { return func(o *Options) { o.Probe = d } }

// NewOptions returns the defaults changed by opts.
func NewOptions(opts ...Option) Options {
	o := Options{
		Host:    DefaultHost,
		Port:    DefaultPort,
		Idle:    DefaultIdle,
		Margin:  DefaultMargin,
		Timeout: DefaultTimeout,
		Trickle: DefaultTrickle,
		Probe:   DefaultProbe,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Bounds on the options: a typo must not hold a run for a day.
const (
	MaxIdle    = 5 * time.Minute
	MaxTimeout = time.Minute
)

// Validate reports options that cannot make a run.
func (o Options) Validate() error {
	switch {
	case o.Port < 1 || o.Port > 65535:
		return fmt.Errorf("port %d: out of range", o.Port)
	case !client.Loopback(o.Host):
		return fmt.Errorf("host %q: the corpus only dials loopback (127.0.0.0/8, ::1, localhost), "+
			"where the lab's specimens are", o.Host)
	case o.Idle <= 0 || o.Idle > MaxIdle:
		return fmt.Errorf("idle %v: want above 0, at most %v", o.Idle, MaxIdle)
	case o.Margin < 0 || o.Margin > MaxTimeout:
		return fmt.Errorf("margin %v: want 0 to %v", o.Margin, MaxTimeout)
	case o.Timeout <= 0 || o.Timeout > MaxTimeout:
		return fmt.Errorf("timeout %v: want above 0, at most %v", o.Timeout, MaxTimeout)
	case o.Trickle <= 0 || o.Trickle >= o.Idle:
		return fmt.Errorf("trickle %v: want above 0 and below the idle timeout %v", o.Trickle, o.Idle)
	case o.Probe <= 0 || o.Probe > MaxTimeout:
		return fmt.Errorf("probe %v: want above 0, at most %v", o.Probe, MaxTimeout)
	}
	return nil
}

// Budget bounds a whole run of cases: each case's deadline and its probe.
func Budget(cases []Case, o Options) time.Duration {
	var d time.Duration
	for _, c := range cases {
		d += c.Deadline(o) + o.Probe
	}
	return d
}
