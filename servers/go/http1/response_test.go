package http1

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// exchange sends raw on a new connection and returns everything the server
// sends until it closes, split into the last header block's fields and the
// raw bytes after it.
func exchange(t *testing.T, addr, raw string) (http.Header, string) {
	t.Helper()
	c := dial(t, addr)
	send(t, c, raw)
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	wire := string(b)
	for strings.HasPrefix(wire, "HTTP/1.1 1") { // interim responses
		_, wire, _ = strings.Cut(wire, "\r\n\r\n")
	}
	block, body, ok := strings.Cut(wire, "\r\n\r\n")
	if !ok {
		t.Fatalf("no header block in %q", wire)
	}
	lines := strings.Split(block, "\r\n")
	h := http.Header{":status": {lines[0]}}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ": ")
		h.Add(k, v)
	}
	return h, body
}

func TestFraming(t *testing.T) {
	big := strings.Repeat("x", bufferedBody+1)
	write := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) }
	}
	tests := []struct {
		name   string
		h      http.HandlerFunc
		req    string            // request line; fields and Connection: close are added
		fields map[string]string // "" means absent
		body   string            // on the wire, framing included
	}{
		// A body that fits the buffer, the handler done: Content-Length.
		{"whole", write("hello"), "GET / HTTP/1.1",
			map[string]string{"Content-Length": "5", "Transfer-Encoding": ""}, "hello"},
		// No body at all: Content-Length 0.
		{"empty", func(http.ResponseWriter, *http.Request) {}, "GET / HTTP/1.1",
			map[string]string{"Content-Length": "0", ":status": "HTTP/1.1 200 OK"}, ""},
		// Longer than the buffer: chunked.
		{"long", write(big), "GET / HTTP/1.1",
			map[string]string{"Content-Length": "", "Transfer-Encoding": "chunked"}, "1001\r\n" + big + "\r\n0\r\n\r\n"},
		// A handler that flushes streams: chunked, a chunk per write.
		{"streaming", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "bc")
		}, "GET / HTTP/1.1",
			map[string]string{"Transfer-Encoding": "chunked"}, "1\r\na\r\n2\r\nbc\r\n0\r\n\r\n"},
		// HTTP/1.0 has no chunks: the body ends with the connection.
		{"1.0 streaming", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "bc")
		}, "GET / HTTP/1.0",
			map[string]string{"Transfer-Encoding": "", "Content-Length": "", "Connection": "close"}, "abc"},
		// The handler's own Content-Length stands, however long the body.
		{"declared", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4097")
			io.WriteString(w, big)
		}, "GET / HTTP/1.1",
			map[string]string{"Content-Length": "4097", "Transfer-Encoding": ""}, big},
		// HEAD: the length of what the handler wrote, no body.
		{"head", write("Hello, World!\n"), "HEAD / HTTP/1.1",
			map[string]string{"Content-Length": "14"}, ""},
		// HEAD from a handler that writes nothing: no length is claimed.
		{"head silent", func(http.ResponseWriter, *http.Request) {}, "HEAD / HTTP/1.1",
			map[string]string{"Content-Length": "", "Transfer-Encoding": ""}, ""},
		// HEAD with a long body: neither length nor chunks.
		{"head long", write(big), "HEAD / HTTP/1.1",
			map[string]string{"Content-Length": "", "Transfer-Encoding": ""}, ""},
		// 204 has no body and says no length.
		{"204", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
			if _, err := io.WriteString(w, "x"); !errors.Is(err, http.ErrBodyNotAllowed) {
				panic("Write after 204 did not fail")
			}
		}, "GET / HTTP/1.1",
			map[string]string{":status": "HTTP/1.1 204 No Content", "Content-Length": ""}, ""},
		// Declared trailers force chunks, and follow the last one.
		{"trailers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "Checksum")
			io.WriteString(w, "abc")
			w.Header().Set("Checksum", "900150983cd24fb0")
			w.Header().Set(http.TrailerPrefix+"Late", "yes")
		}, "GET / HTTP/1.1",
			map[string]string{"Transfer-Encoding": "chunked", "Content-Length": ""}, "3\r\nabc\r\n0\r\nChecksum: 900150983cd24fb0\r\nLate: yes\r\n\r\n"},
		// An unset Content-Type is sniffed, as net/http does.
		{"sniff", write("<html><body>hi</body></html>"), "GET / HTTP/1.1",
			map[string]string{"Content-Type": "text/html; charset=utf-8"}, "<html><body>hi</body></html>"},
		// Date and Server are added; a handler's CR LF cannot split the response.
		{"fields", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Split", "a\r\nSet-Cookie: evil")
		}, "GET / HTTP/1.1",
			map[string]string{"Server": "serverlab-goroutines", "X-Split": "a  Set-Cookie: evil", "Set-Cookie": ""}, ""},
		// The RFC 9110 reason phrase, as the C specimens send it.
		{"reason", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusRequestEntityTooLarge) }, "GET / HTTP/1.1",
			map[string]string{":status": "HTTP/1.1 413 Content Too Large"}, ""},
		// An informational response goes out first, with its fields.
		{"103", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</s.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, "ok")
		}, "GET / HTTP/1.1",
			map[string]string{":status": "HTTP/1.1 200 OK", "Content-Length": "2"}, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := start(t, tt.h)
			h, body := exchange(t, addr, tt.req+"\r\nHost: x\r\nConnection: close\r\n\r\n")
			for k, want := range tt.fields {
				if got := strings.Join(h[k], ","); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			if h.Get("Date") == "" {
				t.Errorf("no Date")
			}
			if body != tt.body {
				t.Errorf("body on the wire: got %q, want %q", body, tt.body)
			}
		})
	}
}

func TestShortBodyCloses(t *testing.T) {
	// A handler that declares more than it writes leaves the client waiting
	// for bytes that never come: the connection must close.
	addr := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "abc")
		if _, err := io.WriteString(w, "12345678"); !errors.Is(err, http.ErrContentLength) {
			panic("Write past Content-Length did not fail")
		}
	}))
	h, body := exchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if got, want := body, "abc"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if got, want := h.Get("Content-Length"), "10"; got != want {
		t.Errorf("Content-Length %q, want %q", got, want)
	}
}
