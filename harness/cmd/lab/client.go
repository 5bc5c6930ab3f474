package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/protocol"
)

// clientFlags are lab client's flags: the agent's side of
// client.Options.Args, which the harness sends (protocol.Client).
type clientFlags struct {
	fs      *flag.FlagSet
	o       *client.Options
	raw     *string
	raw64   *string
	asJSON  *bool
	summary *bool
}

func newClientFlags() clientFlags {
	fs := flags(protocol.CommandClient)
	o := client.NewOptions()
	fs.StringVar(&o.Host, client.FlagHost, o.Host, "server address: loopback only (127.0.0.0/8, ::1, localhost)")
	fs.IntVar(&o.Port, client.FlagPort, o.Port, "server port")
	fs.IntVar(&o.Clients, client.FlagClients, o.Clients, "concurrent clients, started over --ramp")
	fs.IntVar(&o.Conns, client.FlagConns, o.Conns, "connections each client opens, one after another (or --every apart)")
	fs.DurationVar(&o.Ramp, client.FlagRamp, o.Ramp, "spread the clients' starts over this long (0: all at once)")
	fs.DurationVar(&o.Timeout, client.FlagTimeout, o.Timeout, "per connection: connect, reply and EOF must come within it")
	fs.StringVar(&o.Path, client.FlagPath, o.Path, "path of the seed's request (GET <path> HTTP/1.1, bare LF line ends)")
	fs.DurationVar(&o.Hold, client.FlagHold, o.Hold, "keep each connection open this long from its start (idle or stalled clients)")
	fs.DurationVar(&o.Every, client.FlagEvery, o.Every, "start each client's connections this far apart, not one after another")
	return clientFlags{
		fs:      fs,
		o:       &o,
		raw:     fs.String(client.FlagRaw, "", "send these bytes instead of the seed's request"),
		raw64:   fs.String(client.FlagRaw64, "", "send these bytes, base64-encoded (NUL bytes included), instead of the seed's request"),
		asJSON:  fs.Bool(client.FlagJSON, false, "print one JSON record per connection, as each ends"),
		summary: fs.Bool(client.FlagSummary, false, "with --json, print one JSON summary of every connection instead"),
	}
}

// options are the client options the parsed command line sets.
func (f clientFlags) options() (client.Options, error) {
	o := *f.o
	if *f.raw != "" {
		o.Request = []byte(*f.raw)
	}
	if *f.raw64 != "" {
		b, err := base64.StdEncoding.DecodeString(*f.raw64)
		if err != nil {
			return o, fmt.Errorf("--%s: %w", client.FlagRaw64, err)
		}
		o.Request = b
	}
	return o, o.Validate()
}

func runClient(ctx context.Context, args []string, stdout io.Writer) error {
	f := newClientFlags()
	if err := parseFlags(f.fs, args); err != nil {
		return err
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	asJSON, summary := f.asJSON, f.summary
	enc := json.NewEncoder(stdout)
	var results []client.Result
	for r := range client.Run(ctx, o) {
		if *asJSON && !*summary {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		results = append(results, r)
	}
	if *asJSON && *summary {
		if err := enc.Encode(client.Summarize(results)); err != nil {
			return err
		}
	}
	if *asJSON {
		return ctx.Err()
	}
	fmt.Fprintf(stdout, "%s:%d  %d clients x %d connections, timeout %v\n", o.Host, o.Port, o.Clients, o.Conns, o.Timeout)
	if err := client.Summarize(results).WriteText(stdout); err != nil {
		return err
	}
	return ctx.Err()
}
