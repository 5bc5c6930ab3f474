package main

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args []string
		want options // zero: an error
	}{
		// the defaults: both modes, keep-alive first
		{nil, options{conns: 64, duration: 10 * time.Second, rounds: 3, modes: []string{keepAlive, closeMode}}},
		// one mode, a built specimen, records kept
		{[]string{"-modes", "close", "-epoll", "/tmp/epoll", "-json", "r.json", "-rounds", "5"},
			options{conns: 64, duration: 10 * time.Second, rounds: 5, modes: []string{closeMode}, epoll: "/tmp/epoll", json: "r.json"}},
		// io_uring left out, or a built one
		{[]string{"-uring=false"}, options{conns: 64, duration: 10 * time.Second, rounds: 3, modes: []string{keepAlive, closeMode}, noUring: true}},
		{[]string{"-uring-bin", "/tmp/uring"}, options{conns: 64, duration: 10 * time.Second, rounds: 3, modes: []string{keepAlive, closeMode}, uring: "/tmp/uring"}},
		// records to summarize: no other flag needed
		{[]string{"-report", "a.json", "b.json"},
			options{conns: 64, duration: 10 * time.Second, rounds: 3, modes: []string{keepAlive, closeMode}, report: []string{"a.json", "b.json"}}},
		{[]string{"-report"}, options{}},             // no file to summarize
		{[]string{"-modes", "pipelined"}, options{}}, // not a mode
		{[]string{"-rounds", "0"}, options{}},        // no round
		{[]string{"-d", "500ms"}, options{}},         // below wrk's second
		{[]string{"-c", "0"}, options{}},             // no connection
		{[]string{"extra"}, options{}},               // a stray argument
	}
	for _, tt := range tests {
		got, err := parseFlags(tt.args)
		if tt.want.rounds == 0 {
			if err == nil {
				t.Errorf("%q: got %+v, want an error", tt.args, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %+v, %v; want %+v", tt.args, got, err, tt.want)
		}
	}
}

// TestRecordsRoundTrip writes records as -json does and pools two runs as
// -report does: their rounds share numbers and must not be paired across.
func TestRecordsRoundTrip(t *testing.T) {
	var rs []record
	for _, run := range []string{"2026-11-26T17:08:04Z", "2026-11-26T17:17:19Z"} {
		for _, server := range []string{epollName, nginxName} {
			r := measured(keepAlive, 1, server, 100000, 1000000, 8*time.Second)
			r.Run, r.Errors.Timeout, r.Log = run, 64, []string{"accept: EMFILE (Too many open files) pausing count=1"}
			rs = append(rs, r)
		}
	}
	path := filepath.Join(t.TempDir(), "records.json")
	if err := writeRecords(path, rs); err != nil {
		t.Fatal(err)
	}
	got, err := readRecords(path)
	if err != nil || !reflect.DeepEqual(got, rs) {
		t.Fatalf("got %+v, %v; want %+v", got, err, rs)
	}
	if s := summarize(got); len(s) != 1 || s[0].Rounds != 2 {
		t.Errorf("pooled: got %+v; want one mode of 2 rounds", s)
	}
	if _, err := readRecords(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("a missing file: got no error")
	}
}
