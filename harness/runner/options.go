package runner

import (
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// DefaultStartTimeout bounds how long a specimen may take to log that it
// listens.
const DefaultStartTimeout = 30 * time.Second

// AgentNoFile is the agent's descriptor limit: it holds one socket per
// concurrent client, and the C10K lesson holds ten thousand. It stays
// under the engine's own hard limit, which a container cannot exceed
// (20 000 for dockerd here).
const AgentNoFile = 16384

// Options are what Run needs besides the preset.
type Options struct {
	RunID  string            // labels every container, for Cleanup
	Limits *catalogue.Limits // replaces the preset's limits
	Args   []string          // replaces the preset's arguments
	Wire   string            // replaces the preset's wire
	// Name prefixes the containers' names ("<name>-agent", "<name>-specimen"),
	// so that docker ps explains itself; empty lets the engine pick.
	Name string
	// SpecimenCPUs and AgentCPUs pin each container to CPUs (a cpuset such
	// as "0"), so that a load generator in the agent does not take the
	// specimen's core; empty leaves the scheduler free.
	SpecimenCPUs, AgentCPUs string
	StartTimeout            time.Duration
	// Agents, when set, lends the agent (one pinned to AgentCPUs) and
	// takes it back at Terminate, rather than starting one for this
	// specimen alone.
	Agents *Agents
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

// WithWire runs the specimen on another wire than the preset's.
func WithWire(wire string) Option { return func(o *Options) { o.Wire = wire } }

// WithName names the containers name-agent and name-specimen.
func WithName(name string) Option { return func(o *Options) { o.Name = name } }

// WithCPUs pins the specimen to the CPUs in specimen and its agent to
// those in agent ("0", "1", "0-1").
func WithCPUs(specimen, agent string) Option {
	return func(o *Options) { o.SpecimenCPUs, o.AgentCPUs = specimen, agent }
}

// WithAgents has the specimen run beside an agent of the pool a.
func WithAgents(a *Agents) Option { return func(o *Options) { o.Agents = a } }

// WithStartTimeout bounds the wait for the specimen to listen.
func WithStartTimeout(d time.Duration) Option { return func(o *Options) { o.StartTimeout = d } }

func newOptions(opts []Option) Options {
	o := Options{RunID: "adhoc", StartTimeout: DefaultStartTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}
