package http1_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/serverlab/serverlab/servers/go/http1"
)

// newRouter is an application as any chi user writes it, with no thought
// of which server will run it: middleware, URL parameters, sub-routers,
// JSON in and out, a streamed response.
func newRouter() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.Recoverer)
	r.Use(middleware.SetHeader("X-Specimen", "goroutines"))
	r.Use(middleware.Heartbeat("/ping"))
	r.Use(middleware.GetHead)

	r.Get("/hello/{name}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello, %s!\n", chi.URLParam(r, "name"))
	})
	r.Route("/items", func(r chi.Router) {
		r.With(middleware.AllowContentType("application/json")).Post("/", func(w http.ResponseWriter, r *http.Request) {
			var item struct{ Name string }
			if err := json.NewDecoder(r.Body).Decode(&item); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Location", "/items/1")
			w.WriteHeader(http.StatusCreated)
			json.NewEncoder(w).Encode(map[string]any{"id": 1, "name": item.Name})
		})
		r.Get("/{id:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "item %s\n", chi.URLParam(r, "id"))
		})
	})
	r.Get("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "line %d\n", i)
			w.(http.Flusher).Flush()
		}
	})
	r.With(middleware.Compress(5)).Get("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, strings.Repeat("serverlab ", 1000))
	})
	return r
}

// TestChi serves the chi application unchanged with Serve and drives it
// over real TCP with net/http's client, as part 2's WSGI server ran any
// WSGI application: the interface, not the server, is what the
// application was written against.
func TestChi(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &countingListener{Listener: inner}
	defer l.Close()
	go http1.Serve(l, newRouter())
	base := "http://" + l.Addr().String()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		want                            string // the body, or its start
		field, value                    string // a response field to check
		wire                            string // "chunked" or "gzip": how it came
	}{
		// A URL parameter, and the middleware's field.
		{"param", "GET", "/hello/gopher", "", "", 200, "Hello, gopher!\n", "X-Specimen", "goroutines", ""},
		// chi's own 404 and 405.
		{"not found", "GET", "/nope", "", "", 404, "404 page not found\n", "X-Specimen", "goroutines", ""},
		{"method not allowed", "DELETE", "/hello/gopher", "", "", 405, "", "Allow", "GET", ""},
		// JSON in, 201 and JSON out.
		{"post json", "POST", "/items/", "application/json", `{"Name":"lab"}`, 201, `{"id":1,"name":"lab"}` + "\n", "Location", "/items/1", ""},
		// Middleware refuses another content type.
		{"wrong type", "POST", "/items/", "text/plain", "x", 415, "", "", "", ""},
		// A regexp parameter.
		{"regexp", "GET", "/items/42", "", "", 200, "item 42\n", "", "", ""},
		{"regexp miss", "GET", "/items/abc", "", "", 404, "404 page not found\n", "", "", ""},
		// Middleware that answers by itself.
		{"heartbeat", "GET", "/ping", "", "", 200, ".", "", "", ""},
		// A handler that flushes: chunked on the wire, whole for the client.
		{"stream", "GET", "/stream", "", "", 200, "line 0\nline 1\nline 2\n", "", "", "chunked"},
		// gzip by middleware, undone by the client.
		{"compress", "GET", "/big", "", "", 200, "serverlab serverlab ", "", "", "gzip"},
		// HEAD on a GET route: chi answers it, the server sends no body.
		{"head", "HEAD", "/hello/gopher", "", "", 200, "", "Content-Length", "15", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := resp.StatusCode, tt.status; got != want {
				t.Errorf("status %d, want %d (body %q)", got, want, body)
			}
			if !strings.HasPrefix(string(body), tt.want) {
				t.Errorf("body %q, want %q", body, tt.want)
			}
			if tt.field != "" {
				if got := resp.Header.Get(tt.field); !strings.Contains(got, tt.value) {
					t.Errorf("%s %q, want %q", tt.field, got, tt.value)
				}
			}
			if got, want := resp.Header.Get("Server"), http1.DefaultServer; got != want {
				t.Errorf("Server %q, want %q", got, want)
			}
			if tt.wire == "chunked" && (len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked") {
				t.Errorf("Transfer-Encoding %v, want chunked", resp.TransferEncoding)
			}
			if tt.wire == "gzip" && !resp.Uncompressed {
				t.Errorf("not gzipped")
			}
		})
	}
	// One after the other, every request went over the one connection the
	// client kept alive: errors (404, 405, 415) included.
	if got, want := l.accepted.Load(), int64(1); got != want {
		t.Errorf("%d connections accepted, want %d", got, want)
	}
}

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}
