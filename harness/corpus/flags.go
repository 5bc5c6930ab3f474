package corpus

import "strconv"

// The flags of `lab hostile`: the CLI defines them, and the runner passes
// Options to the corpus in the agent through them (Args), so the names
// live here, once.
const (
	FlagHost    = "host"
	FlagPort    = "port"
	FlagIdle    = "idle"
	FlagMargin  = "margin"
	FlagTimeout = "timeout"
	FlagCase    = "case"
	FlagList    = "list"
	FlagJSON    = "json"
)

// Args renders o and the case names (none: every case) as `lab hostile`
// flags asking for JSON records.
func (o Options) Args(names ...string) []string {
	flag := func(name string) string { return "--" + name }
	args := []string{flag(FlagJSON),
		flag(FlagHost), o.Host, flag(FlagPort), strconv.Itoa(o.Port),
		flag(FlagIdle), o.Idle.String(), flag(FlagMargin), o.Margin.String(),
		flag(FlagTimeout), o.Timeout.String(),
	}
	for _, n := range names {
		args = append(args, flag(FlagCase), n)
	}
	return args
}
