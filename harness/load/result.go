package load

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is one run: the options it ran with, its counts and percentiles,
// and its timeline. It is plain data: every report is drawn from it.
type Result struct {
	// The options used.
	Target      string  `json:"target"`
	Connections int     `json:"connections"`
	KeepAlive   bool    `json:"keepalive"`
	Pipeline    int     `json:"pipeline"`
	Rate        float64 `json:"rate"` // requests per second; 0: the closed model
	TimeoutS    float64 `json:"timeout_s"`

	Requests  int64   `json:"requests"` // complete responses, whatever their status
	DurationS float64 `json:"duration_s"`
	RPS       float64 `json:"rps"`
	// Latency is timed from when each request was due: in the open model its
	// scheduled time, in the closed model when its connection was ready to
	// send it (including any connect). A stalled server shows here.
	Latency Percentiles `json:"latency_ms"`
	// Service is timed from each request's write: what the server took once
	// it had the request. The open model's Latency minus Service is queueing.
	Service Percentiles    `json:"service_ms"`
	Errors  map[Kind]int64 `json:"errors"` // every kind, zeros included
	// Clamped counts latencies beyond the histogram (a run plus a timeout).
	Clamped  int64    `json:"clamped,omitempty"`
	Timeline []Second `json:"timeline"`
	// LatencyHDR is the whole latency histogram (µs), in HdrHistogram's
	// compressed base64 form, so that any percentile can be redrawn later.
	LatencyHDR string `json:"latency_hdr"`
}

// Percentiles of a latency distribution, in milliseconds to the microsecond.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// Second is one second of the timeline, counted by when responses and
// errors came.
type Second struct {
	Second   int     `json:"second"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	P99      float64 `json:"p99"` // ms; 0 when no response completed
}

// Errs sums the errors of every kind.
func (r Result) Errs() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// result summarises what r holds for a run of o that lasted elapsed.
func (r *recorder) result(o Options, elapsed time.Duration) Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := Result{
		Target:      o.Target,
		Connections: o.Connections,
		KeepAlive:   o.KeepAlive,
		Pipeline:    o.Pipeline,
		Rate:        o.Rate,
		TimeoutS:    o.Timeout.Seconds(),
		Requests:    r.latency.TotalCount(),
		DurationS:   elapsed.Seconds(),
		Latency:     percentiles(r.latency),
		Service:     percentiles(r.service),
		Errors:      map[Kind]int64{},
		Clamped:     r.clamped,
		Timeline:    make([]Second, 0, len(r.seconds)),
	}
	if elapsed > 0 {
		res.RPS = float64(res.Requests) / elapsed.Seconds()
	}
	for k, name := range Kinds {
		res.Errors[name] = r.errors[k]
	}
	for i, s := range r.seconds {
		sec := Second{Second: i, Requests: s.requests, Errors: s.errors}
		if s.latency != nil {
			sec.P99 = millis(s.latency.ValueAtQuantile(99))
		}
		res.Timeline = append(res.Timeline, sec)
	}
	if hdr, err := r.latency.Encode(hdrhistogram.V2CompressedEncodingCookieBase); err == nil {
		res.LatencyHDR = string(hdr)
	}
	return res
}

func percentiles(h *hdrhistogram.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	v := h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
	return Percentiles{
		P50:  millis(v[0]),
		P90:  millis(v[1]),
		P99:  millis(v[2]),
		P999: millis(v[3]),
		Max:  millis(h.Max()),
	}
}

// millis turns a histogram's microseconds into milliseconds.
func millis(us int64) float64 { return float64(us) / 1000 }

// WriteText prints the result for a person, wrk-like.
func (r Result) WriteText(w io.Writer) error {
	var b strings.Builder
	model := "closed model"
	if r.Rate > 0 {
		model = fmt.Sprintf("open model at %g req/s", r.Rate)
	}
	fmt.Fprintf(&b, "%s: %d connections, keepalive %v, pipeline %d, %s\n",
		r.Target, r.Connections, r.KeepAlive, r.Pipeline, model)
	fmt.Fprintf(&b, "  %d requests in %.2fs: %.1f req/s\n", r.Requests, r.DurationS, r.RPS)
	row := func(name string, p Percentiles) {
		fmt.Fprintf(&b, "  %-8s p50 %.3fms  p90 %.3fms  p99 %.3fms  p99.9 %.3fms  max %.3fms\n",
			name, p.P50, p.P90, p.P99, p.P999, p.Max)
	}
	row("latency", r.Latency)
	if r.Rate > 0 {
		row("service", r.Service)
		if r.RPS < 0.95*r.Rate {
			fmt.Fprintf(&b, "  %.0f req/s fell short of the rate: requests waited for a free connection, and their latency says so\n", r.RPS)
		}
	}
	var errs []string
	for _, k := range Kinds {
		if n := r.Errors[k]; n > 0 {
			errs = append(errs, fmt.Sprintf("%s %d", k, n))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(&b, "  errors: %s\n", strings.Join(errs, ", "))
	}
	if r.Clamped > 0 {
		fmt.Fprintf(&b, "  %d latencies beyond %v were counted as that\n", r.Clamped, MaxDuration+MaxTimeout)
	}
	if len(r.Timeline) > 0 {
		b.WriteString("  second  requests  errors       p99\n")
		for _, s := range r.Timeline {
			fmt.Fprintf(&b, "  %6d  %8d  %6d  %6.3fms\n", s.Second, s.Requests, s.Errors, s.P99)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
