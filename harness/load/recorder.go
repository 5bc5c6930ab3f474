package load

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry: microseconds, from 1 µs to the longest a latency can
// be measured, a whole run plus a timeout (the open model times a request
// from when it was due, which a stalled server can push back that far).
const (
	highestMicros = int64((MaxDuration + MaxTimeout) / time.Microsecond)
	totalDigits   = 3 // the run's percentiles: within 0.1%
	secondDigits  = 2 // a second's p99: within 1%, at an eighth of the memory
	batchSize     = 128
)

// recorder holds what every connection measured. Connections hand it
// latencies in batches (one lock per batch, not per request) and errors one
// by one, as errors are rare or the run is already lost.
type recorder struct {
	mu      sync.Mutex
	latency *hdrhistogram.Histogram // from when each request was due
	service *hdrhistogram.Histogram // from when each request was written
	seconds []second
	errors  [numKinds]int64
	// clamped counts latencies above highestMicros, recorded as that.
	clamped int64
}

// second is one second of the run's timeline.
type second struct {
	requests int64
	errors   int64
	latency  *hdrhistogram.Histogram // made at the second's first response
}

func newRecorder() *recorder {
	return &recorder{
		latency: hdrhistogram.New(1, highestMicros, totalDigits),
		service: hdrhistogram.New(1, highestMicros, totalDigits),
	}
}

// at returns second i of the timeline, growing it. The caller holds mu.
func (r *recorder) at(i int) *second {
	for len(r.seconds) <= i {
		r.seconds = append(r.seconds, second{})
	}
	return &r.seconds[i]
}

// fail counts an error of kind k in second sec.
func (r *recorder) fail(sec int, k kind) {
	r.mu.Lock()
	r.errors[k]++
	r.at(sec).errors++
	r.mu.Unlock()
}

// batch is a connection's latencies not yet handed to the recorder, all of
// responses that completed within one second of the run.
type batch struct {
	second  int
	n       int
	latency [batchSize]int64
	service [batchSize]int64
}

// add keeps one response's latencies (µs), completed in second sec.
func (b *batch) add(r *recorder, sec int, latency, service int64) {
	if b.n == batchSize || (b.n > 0 && sec != b.second) {
		r.flush(b)
	}
	b.second = sec
	b.latency[b.n], b.service[b.n] = latency, service
	b.n++
}

// flush hands b's latencies to the recorder and empties it.
func (r *recorder) flush(b *batch) {
	if b.n == 0 {
		return
	}
	r.mu.Lock()
	s := r.at(b.second)
	if s.latency == nil {
		s.latency = hdrhistogram.New(1, highestMicros, secondDigits)
	}
	s.requests += int64(b.n)
	for i := range b.n {
		l, sv := b.latency[i], b.service[i]
		if l > highestMicros {
			l = highestMicros
			r.clamped++
		}
		sv = min(sv, highestMicros)
		// In range by now: RecordValue cannot fail.
		_ = r.latency.RecordValue(l)
		_ = r.service.RecordValue(sv)
		_ = s.latency.RecordValue(l)
	}
	r.mu.Unlock()
	b.n = 0
}
