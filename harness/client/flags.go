package client

import (
	"encoding/base64"
	"strconv"
	"time"
)

// The flags of `lab client`: the CLI defines them, and the runner passes
// Options to the client in the agent through them (Args), so the names
// live here, once.
const (
	FlagHost    = "host"
	FlagPort    = "port"
	FlagClients = "max-clients"
	FlagConns   = "max-conns"
	FlagTimeout = "timeout"
	FlagRamp    = "ramp"
	FlagPath    = "path"
	FlagRaw     = "raw"
	// FlagRaw64 carries raw bytes through an exec's argv, where a NUL
	// byte cannot go: base64.
	FlagRaw64   = "raw-base64"
	FlagHold    = "hold"
	FlagEvery   = "every"
	FlagJSON    = "json"
	FlagSummary = "summary"
)

// Args renders o as `lab client` flags, asking for JSON records.
func (o Options) Args() []string {
	flag := func(name string) string { return "--" + name }
	dur := func(d time.Duration) string { return d.String() }
	args := []string{flag(FlagJSON),
		flag(FlagHost), o.Host, flag(FlagPort), strconv.Itoa(o.Port),
		flag(FlagClients), strconv.Itoa(o.Clients), flag(FlagConns), strconv.Itoa(o.Conns),
		flag(FlagTimeout), dur(o.Timeout), flag(FlagRamp), dur(o.Ramp), flag(FlagPath), o.Path,
	}
	if o.Hold > 0 {
		args = append(args, flag(FlagHold), dur(o.Hold))
	}
	if o.Every > 0 {
		args = append(args, flag(FlagEvery), dur(o.Every))
	}
	if len(o.Request) > 0 {
		args = append(args, flag(FlagRaw64), base64.StdEncoding.EncodeToString(o.Request))
	}
	return args
}
