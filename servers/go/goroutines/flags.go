package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The specimen's flags and their defaults, the C specimens' (common.h).
const (
	defaultPort        = 8888
	defaultBacklog     = 5
	defaultIdleTimeout = 5 * time.Second
	wireHTTP           = "http" // HTTP/1.1: keep-alive, pipelining, every status
	wireSeed           = "seed" // the article's: one read, the bare reply, delay, close
)

// options are the specimen's flags.
type options struct {
	port        int
	backlog     int
	delay       time.Duration
	wire        string
	idleTimeout time.Duration
}

// usage is the C specimens' (common.c), and what --backlog does here.
const usage = `usage: %s [options]
  --port N          TCP port on 0.0.0.0 (default 8888)
  --backlog N       listen() backlog, 0 allowed (default 5); logged only:
                    Go's listener passes net.core.somaxconn
  --delay D         sleep after each reply, before the next read or close:
                    0, 250ms, 2s
  --wire W          http (HTTP/1.1, default) or seed (the article's: one
                    recv, a bare reply, delay, close)
  --idle-timeout D  http: close a connection idle this long between
                    requests; 408 a request not complete in it (default
                    5s; 0: wait for ever)
  --help            this text
`

// errBadValue is a flag's value out of its range or format.
var errBadValue = errors.New("bad value")

// parseFlags reads args as the C specimens' getopt_long does: "--port 8888"
// or "--port=8888", no positional arguments. --help is flag.ErrHelp.
func parseFlags(args []string) (options, error) {
	o := options{port: defaultPort, backlog: defaultBacklog, wire: wireHTTP, idleTimeout: defaultIdleTimeout}
	fs := flag.NewFlagSet("goroutines", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints the usage, once
	fs.Func("port", "", count(&o.port, 1, 65535))
	fs.Func("backlog", "", count(&o.backlog, 0, 1<<20))
	fs.Func("delay", "", duration(&o.delay))
	fs.Func("idle-timeout", "", duration(&o.idleTimeout))
	fs.Func("wire", "", func(s string) error {
		if s != wireHTTP && s != wireSeed {
			return errBadValue
		}
		o.wire = s
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %s", fs.Arg(0))
	}
	return o, nil
}

// count parses a decimal in [lo, hi] into p.
func count(p *int, lo, hi int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return errBadValue
		}
		*p = n
		return nil
	}
}

// duration parses what the C specimens' parse_duration reads: "0",
// "250ms", "2s", or a plain number of seconds, at most a day.
func duration(p *time.Duration) func(string) error {
	return func(s string) error {
		num, unit := s, time.Second
		if v, ok := strings.CutSuffix(s, "ms"); ok {
			num, unit = v, time.Millisecond
		} else if v, ok := strings.CutSuffix(s, "s"); ok {
			num = v
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 0 || time.Duration(n)*unit > 24*time.Hour {
			return errBadValue
		}
		*p = time.Duration(n) * unit
		return nil
	}
}
