package main

import (
	"bufio"
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/corpus"
	"github.com/serverlab/serverlab/harness/load"
	"github.com/serverlab/serverlab/harness/protocol"
)

// TestLoadArgsRoundTrip: the command line the harness sends for a load
// step, read by lab load's own flags, gives back the options it was made
// from.
func TestLoadArgsRoundTrip(t *testing.T) {
	want := load.NewOptions("http://127.0.0.1:8888/hello", load.WithConnections(64), load.WithDuration(3*time.Second),
		load.WithKeepAlive(false), load.WithPipeline(2), load.WithRate(1500), load.WithRequests(100), load.WithTimeout(400*time.Millisecond))
	f := newLoadFlags()
	rest, err := parse(f.fs, want.Args())
	if err != nil || len(rest) != 1 {
		t.Fatalf("parse %q: %v, rest %q", want.Args(), err, rest)
	}
	if got := load.NewOptions(rest[0], f.options()...); !reflect.DeepEqual(got, want) || !*f.asJSON {
		t.Errorf("parsed back as %+v (json %v), want %+v with json", got, *f.asJSON, want)
	}
}

// TestClientArgsRoundTrip: the same for a client step, its raw request
// (NUL bytes included) too.
func TestClientArgsRoundTrip(t *testing.T) {
	want := client.NewOptions()
	want.Host, want.Port, want.Clients, want.Conns = "127.0.0.1", 8888, 50, 3
	want.Ramp, want.Timeout, want.Hold, want.Every = time.Second, 4*time.Second, 2*time.Second, 100*time.Millisecond
	want.Path, want.Request = "/slow", []byte("GET / HTTP/1.1\r\nHost: x\x00\r\n")
	f := newClientFlags()
	if err := parseFlags(f.fs, want.Args()); err != nil {
		t.Fatal(err)
	}
	got, err := f.options()
	if err != nil || !reflect.DeepEqual(got, want) || !*f.asJSON {
		t.Errorf("parsed back as %+v (%v, json %v), want %+v with json", got, err, *f.asJSON, want)
	}
}

// TestHostileArgsRoundTrip: the same for the hostile-input corpus, with
// cases named.
func TestHostileArgsRoundTrip(t *testing.T) {
	want := corpus.NewOptions(corpus.WithTarget("127.0.0.1", 8888), corpus.WithIdle(3*time.Second))
	f := newHostileFlags()
	rest, err := parse(f.fs, want.Args("a", "b"))
	if err != nil || len(rest) != 0 {
		t.Fatalf("parse: %v, rest %q", err, rest)
	}
	if got := *f.o; !reflect.DeepEqual(got, want) || !reflect.DeepEqual([]string(*f.names), []string{"a", "b"}) || !*f.asJSON {
		t.Errorf("parsed back as %+v, cases %v (json %v), want %+v, [a b], json", got, *f.names, *f.asJSON, want)
	}
}

// inProcess runs the protocol's command lines with this binary's own
// dispatch, as the agent would, without a container.
type inProcess struct{}

func (inProcess) Exec(ctx context.Context, line func([]byte) error, args ...string) error {
	var out bytes.Buffer
	if err := run(ctx, args, &out); err != nil {
		return err
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		if err := line(sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}

// TestProtocolInProcess: the harness's side of probe and sample reads what
// the agent's side prints: here, this machine's /proc and this process.
func TestProtocolInProcess(t *testing.T) {
	comm := testComm(t)
	ctx := context.Background()
	snap, err := protocol.Probe(ctx, inProcess{}, false)
	if err != nil || len(snap.Processes) == 0 {
		t.Fatalf("Probe: %d processes, %v; want this machine's", len(snap.Processes), err)
	}
	var samples []agent.Sample
	err = protocol.Sample(ctx, inProcess{}, comm, false, 20*time.Millisecond, 70*time.Millisecond, nil, func(s agent.Sample) { samples = append(samples, s) })
	if err != nil || len(samples) < 2 || samples[0].HostTasks <= 0 {
		t.Errorf("Sample: %d samples, %v; want a few, each with the host's tasks", len(samples), err)
	}
	// With a start callback, a whole snapshot comes first, then samples.
	var starts []agent.Snapshot
	samples = nil
	err = protocol.Sample(ctx, inProcess{}, comm, false, 20*time.Millisecond, 70*time.Millisecond,
		func(s agent.Snapshot) {
			if len(samples) > 0 {
				t.Error("the start snapshot came after a sample")
			}
			starts = append(starts, s)
		},
		func(s agent.Sample) { samples = append(samples, s) })
	if err != nil || len(starts) != 1 || len(starts[0].Processes) == 0 || len(samples) < 2 {
		t.Errorf("Sample with a start: %d snapshots (want 1, of this machine's processes), %d samples, %v", len(starts), len(samples), err)
	}
}
