package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHello(t *testing.T) {
	tests := []struct {
		method, target string
		status         int
		body, allow    string
	}{
		// The lesson's greeting.
		{"GET", "/hello", 200, "Hello, World!\n", ""},
		// A query does not change the path.
		{"GET", "/hello?name=x", 200, "Hello, World!\n", ""},
		// HEAD is written like GET: the server leaves the body out.
		{"HEAD", "/hello", 200, "Hello, World!\n", ""},
		// Any other path.
		{"GET", "/", 404, "Not Found\n", ""},
		{"GET", "/hello/", 404, "Not Found\n", ""},
		// The path as sent, as the C specimens compare it.
		{"GET", "/hell%6f", 404, "Not Found\n", ""},
		// Another known method, on any path.
		{"POST", "/hello", 405, "Method Not Allowed\n", "GET, HEAD"},
		{"DELETE", "/nope", 405, "Method Not Allowed\n", "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			w := httptest.NewRecorder()
			hello(w, httptest.NewRequest(tt.method, tt.target, nil))
			if got, want := w.Code, tt.status; got != want {
				t.Errorf("status %d, want %d", got, want)
			}
			if got, want := w.Body.String(), tt.body; got != want {
				t.Errorf("body %q, want %q", got, want)
			}
			if got, want := w.Header().Get("Allow"), tt.allow; got != want {
				t.Errorf("Allow %q, want %q", got, want)
			}
			if got, want := w.Header().Get("Content-Type"), "text/plain; charset=utf-8"; got != want {
				t.Errorf("Content-Type %q, want %q", got, want)
			}
		})
	}
	// OPTIONS * has no path to route: still a 405.
	w := httptest.NewRecorder()
	r := httptest.NewRequest("OPTIONS", "/", nil)
	r.URL.Path = "*"
	hello(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("OPTIONS *: status %d, want 405", w.Code)
	}
}
