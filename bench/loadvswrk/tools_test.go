package main

import (
	"reflect"
	"testing"
	"time"
)

func TestParseLab(t *testing.T) {
	out := []byte(`{"target":"http://127.0.0.1:1/hello","requests":1000,"duration_s":1,"rps":1000.5,` +
		`"latency_ms":{"p50":0.25,"p90":0.5,"p99":1.5,"p999":2,"max":3},"errors":{"reset":2,"status":1}}`)
	got, err := parseLab(out)
	want := measure{RPS: 1000.5, P50: 250 * time.Microsecond, P99: 1500 * time.Microsecond, Requests: 1000, Errors: 3}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}
