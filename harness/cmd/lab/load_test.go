package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/protocol"
)

func TestLoad(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!\n")
	}))
	defer srv.Close()
	url := srv.URL + "/hello"
	tests := []struct {
		name    string
		args    []string
		wantErr string // "usage" for errUsage
		wantOut string
	}{
		// the JSON record: 50 requests on 2 connections
		{"json", []string{"-c", "2", "-n", "50", "--json", url}, "", `"requests":50,`},
		// flags after the URL, and text for a person
		{"text", []string{url, "-n", "20", "--keepalive=false"}, "", "20 requests in"},
		// the open model
		{"rate", []string{"--rate", "500", "-d", "100ms", "-c", "2", url}, "", "open model at 500 req/s"},
		// no URL, two URLs
		{"no URL", []string{"-n", "1"}, "usage", ""},
		{"two URLs", []string{url, url}, "usage", ""},
		// the specimen sampled around the run: this test binary, by its
		// process name, in one object
		{"around", []string{"-n", "10", "--json", "--around", testComm(t), url}, "", `"before":{"taken"`},
		{"around without json", []string{"-n", "10", "--around", "lab.test", url}, "needs", ""},
		// a bad option is named
		{"no connections", []string{"-c", "0", url}, "connections", ""},
		{"pipeline without keepalive", []string{"--pipeline", "4", "--keepalive=false", url}, "pipeline", ""},
		// another machine is refused before anything is dialled
		{"not loopback", []string{"-n", "1", "http://192.0.2.1/"}, "outside loopback", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := run(context.Background(), append([]string{"load"}, tt.args...), &out)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.wantErr == "usage" && !errors.Is(err, errUsage):
				t.Fatalf("got %v, want a usage error", err)
			case tt.wantErr != "" && tt.wantErr != "usage" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error naming %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("got %q, want it to hold %q", out.String(), tt.wantOut)
			}
		})
	}
}

// testComm is this process's name as /proc gives it: what --around looks for.
func testComm(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Skip("no /proc: ", err)
	}
	return strings.TrimSpace(string(b))
}

// TestLoadJSONIsOneObject: --json prints exactly one object, whole.
func TestLoadJSONIsOneObject(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	var out strings.Builder
	if err := run(context.Background(), []string{"load", "-n", "10", "--json", srv.URL}, &out); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(out.String()))
	var got map[string]any
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Errorf("more than one JSON value in %q", out.String())
	}
	if got["target"] != srv.URL || got["requests"] != 10.0 {
		t.Errorf("got target %v, requests %v; want %s, 10", got["target"], got["requests"], srv.URL)
	}
}

// TestLoadAround: --around samples before and after the run, and the
// result between them is the run's.
func TestLoadAround(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "Hello, World!\n")
	}))
	defer srv.Close()
	var out strings.Builder
	if err := run(context.Background(), []string{"load", "-n", "10", "--json", "--around", testComm(t), srv.URL + "/hello"}, &out); err != nil {
		t.Fatal(err)
	}
	var a protocol.Around
	if err := json.Unmarshal([]byte(out.String()), &a); err != nil {
		t.Fatalf("got %q: %v", out.String(), err)
	}
	// Here the named process is no specimen started into a namespace (its
	// parent is in view), so only what the sample reads of the machine
	// shows that it was taken.
	if a.Before.HostTasks <= 0 || a.After.HostTasks <= 0 {
		t.Errorf("host tasks: got %d before and %d after, want them read", a.Before.HostTasks, a.After.HostTasks)
	}
	if a.Result.Requests != 10 || !a.After.Taken.After(a.Before.Taken) {
		t.Errorf("got %d requests between samples taken at %v and %v, want 10 between them", a.Result.Requests, a.Before.Taken, a.After.Taken)
	}
}
