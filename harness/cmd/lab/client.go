package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/serverlab/serverlab/harness/client"
)

func runClient(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("client")
	o := client.NewOptions()
	fs.StringVar(&o.Host, "host", o.Host, "server address: loopback only (127.0.0.0/8, ::1, localhost)")
	fs.IntVar(&o.Port, "port", o.Port, "server port")
	fs.IntVar(&o.Clients, "max-clients", o.Clients, "concurrent clients, started over --ramp")
	fs.IntVar(&o.Conns, "max-conns", o.Conns, "connections each client opens, one after another")
	fs.DurationVar(&o.Ramp, "ramp", o.Ramp, "spread the clients' starts over this long (0: all at once)")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "per connection: connect, reply and EOF must come within it")
	fs.StringVar(&o.Path, "path", o.Path, "path of the seed's request (GET <path> HTTP/1.1, bare LF line ends)")
	raw := fs.String("raw", "", "send these bytes instead of the seed's request")
	asJSON := fs.Bool("json", false, "print one JSON record per connection, as each ends")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *raw != "" {
		o.Request = []byte(*raw)
	}
	if err := o.Validate(); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	var results []client.Result
	for r := range client.Run(ctx, o) {
		if *asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		results = append(results, r)
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
