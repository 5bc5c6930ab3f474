package load

import "strconv"

// The flags of `lab load`: the CLI defines them, and the runner passes
// Options to the generator in the agent through them (Args), so the names
// live here, once.
const (
	FlagConnections = "c"
	FlagDuration    = "d"
	FlagRequests    = "n"
	FlagKeepAlive   = "keepalive"
	FlagPipeline    = "pipeline"
	FlagRate        = "rate"
	FlagTimeout     = "timeout"
	FlagJSON        = "json"
)

// Args renders o as `lab load` flags asking for JSON, the target last.
func (o Options) Args() []string {
	flag := func(name string) string { return "--" + name }
	args := []string{flag(FlagJSON),
		flag(FlagConnections), strconv.Itoa(o.Connections),
		flag(FlagDuration), o.Duration.String(),
		flag(FlagKeepAlive) + "=" + strconv.FormatBool(o.KeepAlive),
		flag(FlagPipeline), strconv.Itoa(o.Pipeline),
		flag(FlagTimeout), o.Timeout.String(),
	}
	if o.Requests > 0 {
		args = append(args, flag(FlagRequests), strconv.FormatInt(o.Requests, 10))
	}
	if o.Rate > 0 {
		args = append(args, flag(FlagRate), strconv.FormatFloat(o.Rate, 'f', -1, 64))
	}
	return append(args, o.Target)
}
