package load

import (
	"strings"
	"testing"
	"time"
)

// TestResult draws a Result from recorded latencies and errors alone.
func TestResult(t *testing.T) {
	rec := newRecorder()
	var b batch
	// Second 0: 100 responses, 1 ms to 100 ms from when they were due, each
	// written 1 ms after that.
	for i := int64(1); i <= 100; i++ {
		b.add(rec, 0, i*1000, i*1000-1000)
	}
	// Second 2: one response far beyond the histogram, and two errors.
	b.add(rec, 2, highestMicros+1, 10)
	rec.flush(&b)
	rec.fail(2, kReset)
	rec.fail(2, kStatus)

	o := NewOptions("http://127.0.0.1/", WithRate(50))
	res := rec.result(o, 2*time.Second)
	if got, want := res.Requests, int64(101); got != want {
		t.Errorf("got %d requests, want %d", got, want)
	}
	if got, want := res.RPS, 50.5; got != want {
		t.Errorf("got %v req/s, want %v", got, want)
	}
	// 101 values: the p-th percentile is the ceil(p*101/100)-th. HDR values
	// are the top of their bucket: within 0.1% above.
	near := func(got, want float64) bool { return got >= want && got <= want*1.001+0.001 }
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"latency p50", res.Latency.P50, 51},
		{"latency p90", res.Latency.P90, 91},
		{"latency p99", res.Latency.P99, 100},
		{"latency max", res.Latency.Max, float64(highestMicros) / 1000},
		{"service p50", res.Service.P50, 49}, // 0, 10 µs, then 1 ms to 99 ms
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s: got %v ms, want %v", c.name, c.got, c.want)
		}
	}
	if got, want := res.Clamped, int64(1); got != want {
		t.Errorf("got %d clamped, want %d", got, want)
	}
	if got, want := res.Errors, map[Kind]int64{Refused: 0, Reset: 1, Connect: 0, Timeout: 0, Closed: 0, Status: 1, BadResponse: 0, Other: 0}; len(got) != len(want) || got[Reset] != 1 || got[Status] != 1 || res.Errs() != 2 {
		t.Errorf("got errors %v, want %v", got, want)
	}
	want := []Second{{0, 100, 0, 99}, {1, 0, 0, 0}, {2, 1, 2, float64(highestMicros) / 1000}}
	if len(res.Timeline) != len(want) {
		t.Fatalf("got timeline %+v, want %+v", res.Timeline, want)
	}
	for i, s := range res.Timeline {
		w := want[i]
		// A second's p99 has 2 significant digits: within 1%.
		if s.Second != w.Second || s.Requests != w.Requests || s.Errors != w.Errors || s.P99 < w.P99 || s.P99 > w.P99*1.01 {
			t.Errorf("second %d: got %+v, want %+v", i, s, w)
		}
	}
	var text strings.Builder
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"open model at 50 req/s", "101 requests in 2.00s: 50.5 req/s", "reset 1, status 1", "1 latencies beyond"} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("text %q lacks %q", text.String(), line)
		}
	}
	if strings.Contains(text.String(), "fell short") {
		t.Errorf("text %q says the rate was missed; 50.5 req/s met 50", text.String())
	}
	res.Rate = 100
	text.Reset()
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"50 req/s fell short of the rate"} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("text %q lacks %q", text.String(), line)
		}
	}
}

// TestBatch: a batch goes to the recorder when full or when the second
// changes, so that every latency lands in the second it completed in.
func TestBatch(t *testing.T) {
	rec := newRecorder()
	var b batch
	for i := 0; i < batchSize+5; i++ {
		b.add(rec, 0, 1000, 1000)
	}
	if got, want := rec.latency.TotalCount(), int64(batchSize); got != want {
		t.Errorf("after a full batch: recorder holds %d, want %d", got, want)
	}
	b.add(rec, 1, 1000, 1000)
	if got, want := rec.seconds[0].requests, int64(batchSize+5); got != want {
		t.Errorf("after a new second: second 0 holds %d, want %d", got, want)
	}
	rec.flush(&b)
	if got, want := rec.seconds[1].requests, int64(1); got != want {
		t.Errorf("after the last flush: second 1 holds %d, want %d", got, want)
	}
}
