package main

import (
	"errors"
	"flag"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	defaults := options{port: 8888, backlog: 5, wire: "http", idleTimeout: 5 * time.Second}
	tests := []struct {
		name string
		args []string
		want options
		ok   bool
	}{
		// Nothing: the C specimens' defaults.
		{"defaults", nil, defaults, true},
		// Every flag, "--flag value" and "--flag=value".
		{"all", []string{"--port", "9000", "--backlog=0", "--delay", "250ms", "--wire", "seed", "--idle-timeout=0"},
			options{port: 9000, backlog: 0, delay: 250 * time.Millisecond, wire: "seed", idleTimeout: 0}, true},
		// A plain number of seconds, and seconds by suffix.
		{"seconds", []string{"--delay", "3", "--idle-timeout", "2s"},
			options{port: 8888, backlog: 5, delay: 3 * time.Second, wire: "http", idleTimeout: 2 * time.Second}, true},
		// Out of range or not a number.
		{"port 0", []string{"--port", "0"}, options{}, false},
		{"port too big", []string{"--port", "65536"}, options{}, false},
		{"backlog negative", []string{"--backlog", "-1"}, options{}, false},
		{"delay unit", []string{"--delay", "2m"}, options{}, false},
		{"delay over a day", []string{"--delay", "86401s"}, options{}, false},
		{"wire", []string{"--wire", "http2"}, options{}, false},
		// Unknown flags and stray arguments.
		{"unknown", []string{"--workers", "4"}, options{}, false},
		{"stray", []string{"8888"}, options{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlags(tt.args)
			if (err == nil) != tt.ok {
				t.Fatalf("error %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := parseFlags([]string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v, want flag.ErrHelp", err)
	}
}
