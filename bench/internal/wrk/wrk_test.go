package wrk

import (
	"os"
	"slices"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		file string
		want Report
	}{
		// wrk 4.1 -t1 -c64 --latency, keep-alive, against nginx
		{"testdata/wrk-nginx.txt", Report{Requests: 32667, Elapsed: 2100 * time.Millisecond,
			RPS: 15591.11, P50: 2450 * time.Microsecond, P99: 116 * time.Millisecond}},
		// the same against the epoll specimen
		{"testdata/wrk-epoll-keepalive.txt", Report{Requests: 108630, Elapsed: 2020 * time.Millisecond,
			RPS: 53795.79, P50: 481 * time.Microsecond, P99: 8380 * time.Microsecond}},
		// the same with -H 'Connection: close', against nginx: no error line
		{"testdata/wrk-nginx-close.txt", Report{Requests: 20822, Elapsed: 2100 * time.Millisecond,
			RPS: 9924.00, P50: 2560 * time.Microsecond, P99: 33250 * time.Microsecond}},
		// the specimen killed half-way: wrk's "Socket errors:" line, kept apart
		{"testdata/wrk-epoll-killed.txt", Report{Requests: 6449, Elapsed: 2020 * time.Millisecond,
			RPS: 3192.42, P50: 294 * time.Microsecond, P99: 7390 * time.Microsecond,
			Errors: Errors{Read: 6, Write: 15968}}},
		// every response a 404: wrk counts them apart, as errors
		{"testdata/wrk-404.txt", Report{Requests: 12612, Elapsed: time.Second,
			RPS: 12601.69, P50: 136 * time.Microsecond, P99: 14890 * time.Microsecond,
			Errors: Errors{Status: 12612}}},
		// the same against the specimen (GET /nope)
		{"testdata/wrk-epoll-404.txt", Report{Requests: 28561, Elapsed: 1080 * time.Millisecond,
			RPS: 26556.81, P50: 41 * time.Microsecond, P99: 54910 * time.Microsecond,
			Errors: Errors{Status: 28561}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			out, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(out)
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseFails(t *testing.T) {
	tests := []struct {
		name, out string
	}{
		// wrk's whole output when nothing listens: no report at all
		{"refused", "unable to connect to 127.0.0.1:1 Connection refused\n"},
		// a report cut before Requests/sec
		{"cut", "  Latency Distribution\n     50%  1.00ms\n     99%  2.00ms\n  10 requests in 1.00s, 1KB read\n"},
		// an error line of a shape this parser does not know
		{"unknown error", "  Socket errors: connect 0, lost 3\n"},
		// a latency without a unit
		{"no unit", "     50%  1.00\n"},
	}
	for _, tt := range tests {
		if got, err := Parse([]byte(tt.out)); err == nil {
			t.Errorf("%s: got %+v and no error; want an error", tt.name, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration // -1: an error
	}{
		{"260.00us", 260 * time.Microsecond}, // microseconds
		{"1.83ms", 1830 * time.Microsecond},  // milliseconds
		{"2.00s", 2 * time.Second},           // seconds
		{"10.10s", 10100 * time.Millisecond}, // seconds, as in "N requests in 10.10s"
		{"1.50m", 90 * time.Second},          // minutes
		{"12", -1},                           // no unit
		{"x.yms", -1},                        // no number
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in)
		if (err != nil) != (tt.want < 0) || (err == nil && got != tt.want) {
			t.Errorf("parseDuration(%q): got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestErrorsString(t *testing.T) {
	tests := []struct {
		in   Errors
		want string
	}{
		{Errors{}, "none"}, // nothing to say
		{Errors{Connect: 3, Status: 1}, "connect 3, non-2xx 1"},               // only what is not zero
		{Errors{Read: 1, Write: 2, Timeout: 3}, "read 1, write 2, timeout 3"}, // in wrk's order
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestArgs(t *testing.T) {
	tests := []struct {
		d       time.Duration
		headers []string
		want    []string
	}{
		// keep-alive: wrk's own default
		{10 * time.Second, nil,
			[]string{"wrk", "-t1", "-c", "64", "-d", "10s", "--latency", "http://127.0.0.1:1/hello"}},
		// a header, before the URL
		{2 * time.Second, []string{"Connection: close"},
			[]string{"wrk", "-t1", "-c", "64", "-d", "2s", "--latency", "-H", "Connection: close", "http://127.0.0.1:1/hello"}},
	}
	for _, tt := range tests {
		if got := Args("http://127.0.0.1:1/hello", 64, tt.d, tt.headers...); !slices.Equal(got, tt.want) {
			t.Errorf("Args(%v, %q): got %q, want %q", tt.d, tt.headers, got, tt.want)
		}
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{10 * time.Second, "10s"},       // whole seconds as they are
		{1500 * time.Millisecond, "2s"}, // rounded
		{100 * time.Millisecond, "1s"},  // never 0s, which wrk refuses
	}
	for _, tt := range tests {
		if got := seconds(tt.in); got != tt.want {
			t.Errorf("seconds(%v): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
