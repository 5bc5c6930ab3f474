package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/serverlab/serverlab/bench/internal/target"
	"github.com/serverlab/serverlab/harness/catalogue"
)

func TestCheckBody(t *testing.T) {
	read := func(file string) string {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name string
		raw  string
		ok   bool
	}{
		// the specimen's whole response to GET /hello, recorded
		{"epoll", read("testdata/epoll-hello.txt"), true},
		// nginx's, with the benchmark's configuration, recorded
		{"nginx", read("testdata/nginx-hello.txt"), true},
		// a body of another length: nginx without the location's return
		{"other body", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nHello\n", false},
		// the right body under a 404
		{"404", "HTTP/1.1 404 Not Found\r\n\r\n" + catalogue.HelloBody, false},
		// headers that never end
		{"cut", "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n", false},
	}
	for _, tt := range tests {
		if err := checkBody([]byte(tt.raw), catalogue.HelloBody); (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestLogSince(t *testing.T) {
	s := &server{Server: &target.Server{Log: filepath.Join(t.TempDir(), "epoll.log")}}
	steps := []struct {
		write   string
		accepts int64
		other   []string
	}{
		// the first line and a connection
		{"listening port=1 backlog=1024 pid=7 model=epoll\naccept fd=5\n", 1, nil},
		// only what came since: two accepts and an error, a line being written left for later
		{"accept fd=6\naccept: EMFILE (Too many open files) pausing count=1\naccept fd=7\naccept f", 2,
			[]string{"accept: EMFILE (Too many open files) pausing count=1"}},
		// the rest of that line
		{"d=8\n", 1, nil},
	}
	f, err := os.Create(s.Log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, st := range steps {
		if _, err := f.WriteString(st.write); err != nil {
			t.Fatal(err)
		}
		accepts, other, err := s.logSince()
		if err != nil || accepts != st.accepts || !reflect.DeepEqual(other, st.other) {
			t.Errorf("step %d: got %d, %q, %v; want %d, %q", i, accepts, other, err, st.accepts, st.other)
		}
	}
}
