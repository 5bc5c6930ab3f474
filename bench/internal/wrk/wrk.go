// Package wrk is wrk as the benchmarks run it, one thread with its latency
// distribution, and the reading of its report.
package wrk

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Args is the command line of a wrk run against url: one thread, conns
// connections for d (whole seconds), the latency distribution, and each of
// headers sent with every request.
func Args(url string, conns int, d time.Duration, headers ...string) []string {
	argv := []string{"wrk", "-t1", "-c", strconv.Itoa(conns), "-d", seconds(d), "--latency"}
	for _, h := range headers {
		argv = append(argv, "-H", h)
	}
	return append(argv, url)
}

// seconds writes d for wrk, which takes whole seconds ("10s").
func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))) + "s"
}

// Report is what the benchmarks read from `wrk --latency`.
type Report struct {
	Requests int64
	Elapsed  time.Duration // "N requests in 10.10s": wrk's own measured time
	RPS      float64
	P50, P99 time.Duration
	Errors   Errors
}

// Errors are wrk's error counts: its "Socket errors:" line, printed only
// when one is not zero, and "Non-2xx or 3xx responses:". They are kept
// apart because under Connection: close a connect error means the client
// ran out of ports, not that a server failed.
type Errors struct {
	Connect int64 `json:"connect,omitempty"` // connect() failed: EADDRNOTAVAIL when ports run out
	Read    int64 `json:"read,omitempty"`    // read() failed or hit EOF before a response: ECONNRESET
	Write   int64 `json:"write,omitempty"`
	Timeout int64 `json:"timeout,omitempty"` // no response within wrk's timeout (2 s)
	Status  int64 `json:"status,omitempty"`  // responses other than 2xx and 3xx
}

// Total is every error wrk counted.
func (e Errors) Total() int64 { return e.Connect + e.Read + e.Write + e.Timeout + e.Status }

// Add is the sum of e and o, count by count.
func (e Errors) Add(o Errors) Errors {
	return Errors{e.Connect + o.Connect, e.Read + o.Read, e.Write + o.Write, e.Timeout + o.Timeout, e.Status + o.Status}
}

// String is "connect 3, read 1", naming only what is not zero.
func (e Errors) String() string {
	var parts []string
	for _, c := range []struct {
		name string
		n    int64
	}{{"connect", e.Connect}, {"read", e.Read}, {"write", e.Write}, {"timeout", e.Timeout}, {"non-2xx", e.Status}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c.name, c.n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Parse reads wrk --latency's report: the 50% and 99% lines of the
// latency distribution, "N requests in T", "Requests/sec:", and its error
// lines. A report without the four figures is an error, not zeros.
func Parse(out []byte) (Report, error) {
	var r Report
	var err error
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "50%":
			r.P50, err = parseDuration(f[1])
			seen++
		case len(f) == 2 && f[0] == "99%":
			r.P99, err = parseDuration(f[1])
			seen++
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.RPS, err = strconv.ParseFloat(f[1], 64)
			seen++
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			// "1002003 requests in 10.10s, 160.54MB read"
			if r.Requests, err = strconv.ParseInt(f[0], 10, 64); err == nil {
				r.Elapsed, err = parseDuration(strings.TrimSuffix(f[3], ","))
			}
			seen++
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			// "Socket errors: connect 0, read 12, write 0, timeout 0"
			err = parseSocketErrors(f[2:], &r.Errors)
		case len(f) == 5 && f[0] == "Non-2xx":
			// "Non-2xx or 3xx responses: 5"
			r.Errors.Status, err = strconv.ParseInt(f[4], 10, 64)
		}
		if err != nil {
			return r, fmt.Errorf("parse wrk: %q: %w", sc.Text(), err)
		}
	}
	if seen != 4 {
		return r, fmt.Errorf("parse wrk: no p50, p99, requests and Requests/sec in %q", out)
	}
	return r, nil
}

// parseSocketErrors reads the fields after "Socket errors:", name and
// count in pairs: "connect", "0,", "read", "12,", ...
func parseSocketErrors(f []string, e *Errors) error {
	if len(f)%2 != 0 {
		return fmt.Errorf("%d fields, want name-count pairs", len(f))
	}
	for i := 0; i < len(f); i += 2 {
		n, err := strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64)
		if err != nil {
			return err
		}
		switch f[i] {
		case "connect":
			e.Connect = n
		case "read":
			e.Read = n
		case "write":
			e.Write = n
		case "timeout":
			e.Timeout = n
		default:
			return fmt.Errorf("unknown socket error %q", f[i])
		}
	}
	return nil
}

// parseDuration parses wrk's figures: "260.00us", "1.83ms", "2.00s", "1.00m".
func parseDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, err
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("duration %q: no unit", s)
}
