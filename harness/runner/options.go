package runner

import (
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// DefaultStartTimeout bounds how long a specimen may take to log that it
// listens.
const DefaultStartTimeout = 30 * time.Second

// AgentNoFile is the agent's descriptor limit: it holds one socket per
// concurrent client, and the lessons run hundreds. It stays
// well under the engine's own hard limit, which a container cannot exceed.
const AgentNoFile = 4096

// Options are what Run needs besides the preset.
type Options struct {
	RunID        string            // labels every container, for Cleanup
	Limits       *catalogue.Limits // replaces the preset's limits
	Args         []string          // replaces the preset's arguments
	StartTimeout time.Duration
}

// Option changes Options.
type Option func(*Options)

// WithRunID labels the containers with id; Cleanup(id) removes them.
func WithRunID(id string) Option { return func(o *Options) { o.RunID = id } }

// WithLimits pins other limits than the preset's.
func WithLimits(l catalogue.Limits) Option { return func(o *Options) { o.Limits = &l } }

// WithArgs runs the specimen with other arguments than the preset's
// (--port is always added).
func WithArgs(args ...string) Option {
	return func(o *Options) { o.Args = append([]string{}, args...) } // never nil: none is "no arguments"
}

// WithStartTimeout bounds the wait for the specimen to listen.
func WithStartTimeout(d time.Duration) Option { return func(o *Options) { o.StartTimeout = d } }

func newOptions(opts []Option) Options {
	o := Options{RunID: "adhoc", StartTimeout: DefaultStartTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
