package main

import (
	"io"
	"net/http"
)

// hello is the lab's own handler, the reply every specimen gives
// (servers/c/http.c's http_route): 405 for a method other than GET or HEAD,
// 200 for /hello, 404 for any other path. It is a plain http.Handler: the
// server, not the handler, knows HEAD has no body.
func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		w.WriteHeader(http.StatusMethodNotAllowed)
		io.WriteString(w, "Method Not Allowed\n")
	// The path as sent, as the C specimens compare it: "/hell%6f" is not "/hello".
	case r.URL.EscapedPath() != "/hello":
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "Not Found\n")
	default:
		io.WriteString(w, "Hello, World!\n")
	}
}
