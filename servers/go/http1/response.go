package http1

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// bufferedBody is how much of a body the server holds back to learn its
// length: a handler that returns within it gets Content-Length; a longer or
// flushed body goes chunked (HTTP/1.1) or ends with the connection (HTTP/1.0).
const bufferedBody = 4 << 10

// response is the http.ResponseWriter a handler writes to.
type response struct {
	c        *conn
	minor    int  // the request's HTTP/1.minor
	head     bool // HEAD: the body is counted, never sent
	header   http.Header
	status   int    // 0 until WriteHeader
	sent     bool   // the header block is written
	body     []byte // held back until sent
	written  int64  // body bytes the handler wrote
	declared int64  // the handler's own Content-Length, -1 without one
	chunked  bool
	close    bool  // the connection closes after this response
	err      error // the first write error: the client is gone
}

var (
	_ http.ResponseWriter = (*response)(nil)
	_ http.Flusher        = (*response)(nil)
)

func newResponse(c *conn, h *head) *response {
	return &response{c: c, minor: h.minor, head: h.method == http.MethodHead,
		header: http.Header{}, body: c.body[:0], declared: -1, close: !h.keepAlive}
}

// Header returns the header map; changes after the first Write, Flush or
// WriteHeader with a final status are not sent, except declared trailers.
func (w *response) Header() http.Header { return w.header }

// WriteHeader sends an informational status (1xx) at once and records a
// final one; the header block waits until the body's framing is known.
func (w *response) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("http1: invalid WriteHeader code %d", code)) // as net/http
	}
	if w.status != 0 {
		return // superfluous: the first final status stands, as in net/http
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.writeInterim(code)
		return
	}
	w.status = code
	if v := w.header.Get("Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			w.declared = n
		} else {
			w.header.Del("Content-Length") // as net/http: a bad value is dropped
		}
	}
	for _, v := range w.header["Connection"] {
		w.close = w.close || slices.Contains(listMembers([]byte(v)), "close")
	}
	if code == http.StatusSwitchingProtocols {
		w.close = true // no protocol switch here: nothing may follow on the connection
	}
}

// writeInterim sends a 1xx response with the header as it stands (a 103's
// Link fields). HTTP/1.0 clients get none (RFC 9110 §15.2), and a handler's
// 100 none either: the server sent it, if asked, before reading the body.
func (w *response) writeInterim(code int) {
	if w.minor == 0 || code == http.StatusContinue || w.err != nil {
		return
	}
	w.writeStatusLine(code)
	w.writeFields(w.header)
	w.c.bw.WriteString("\r\n")
	w.setErr(w.c.bw.Flush())
}

// Write holds the body back while it fits bufferedBody, then sends the
// header block and everything after it.
func (w *response) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if !w.sent {
		if len(w.body)+len(p) <= bufferedBody {
			w.body = append(w.body, p...)
			return len(p), nil
		}
		w.sendHeader(false)
	}
	w.sendBody(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// Flush sends what the handler has written so far. The body's length is
// then unknown, so it goes chunked (HTTP/1.1) or close-delimited (1.0).
func (w *response) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.sendHeader(false)
	}
	w.setErr(w.c.bw.Flush())
}

// finish ends the response once the handler has returned, and flushes it.
func (w *response) finish() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.sendHeader(true)
	}
	if w.chunked {
		w.sendTrailers()
	}
	if w.declared >= 0 && w.written < w.declared && !w.head && bodyAllowed(w.status) {
		w.close = true // the client waits for bytes that will never come: only a close ends it
	}
	w.setErr(w.c.bw.Flush())
	return w.err
}

// sendHeader decides the body's framing and writes the header block, then
// the body held back. whole says the handler has returned: the body is all
// there, and its length is known.
func (w *response) sendHeader(whole bool) {
	w.sent = true
	h := w.header.Clone()
	switch {
	case !bodyAllowed(w.status):
		if w.status != http.StatusNotModified {
			h.Del("Content-Length")
		}
	case w.declared >= 0:
		// The handler's own Content-Length, kept to by Write.
	case whole && len(w.trailerNames()) == 0 && (!w.head || w.written > 0):
		// A HEAD handler that wrote nothing may not know the length: say nothing.
		h.Set("Content-Length", strconv.FormatInt(w.written, 10))
	case w.head:
		// No body follows a HEAD reply, whatever its framing.
	case w.minor == 1:
		w.chunked = true
	default:
		w.close = true // HTTP/1.0: the body ends where the connection does
	}
	h.Del("Transfer-Encoding")
	if w.chunked {
		h.Set("Transfer-Encoding", "chunked")
	}
	if _, ok := w.header["Content-Type"]; !ok && len(w.body) > 0 && bodyAllowed(w.status) {
		h.Set("Content-Type", http.DetectContentType(w.body)) // as net/http
	}
	// A handler may drop Date or Server by setting it to nil, as in net/http.
	if _, ok := w.header["Date"]; !ok {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	if _, ok := w.header["Server"]; !ok {
		h.Set("Server", w.c.o.Server)
	}
	// Always said, either way, as the C specimens say it.
	if w.close {
		h.Set("Connection", "close")
	} else {
		h.Set("Connection", "keep-alive")
	}
	w.writeStatusLine(w.status)
	w.writeFields(h)
	w.c.bw.WriteString("\r\n")
	w.sendBody(w.body)
	w.body = nil
}

func (w *response) writeStatusLine(code int) {
	fmt.Fprintf(w.c.bw, "HTTP/1.1 %03d %s\r\n", code, reason(code))
}

// writeFields writes h sorted by name, as net/http does. It leaves out
// names that are not tokens and trailers, and turns CR and LF in values
// into spaces: a handler must not be able to split a response.
func (w *response) writeFields(h http.Header) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if !isToken(k) || strings.HasPrefix(k, http.TrailerPrefix) {
			continue
		}
		for _, v := range h[k] {
			v = strings.TrimSpace(lineBreaks.Replace(v))
			fmt.Fprintf(w.c.bw, "%s: %s\r\n", k, v)
		}
	}
}

var lineBreaks = strings.NewReplacer("\r", " ", "\n", " ")

// sendBody writes p as the framing says; a HEAD reply's body goes nowhere.
func (w *response) sendBody(p []byte) {
	if w.head || len(p) == 0 || w.err != nil {
		return
	}
	if w.chunked {
		fmt.Fprintf(w.c.bw, "%x\r\n", len(p))
	}
	_, err := w.c.bw.Write(p)
	w.setErr(err)
	if w.chunked {
		w.c.bw.WriteString("\r\n")
	}
}

// sendTrailers ends a chunked body with the trailers the handler declared
// in the Trailer field, or named with http.TrailerPrefix.
func (w *response) sendTrailers() {
	if w.head {
		return
	}
	w.c.bw.WriteString("0\r\n")
	t := http.Header{}
	for _, k := range w.trailerNames() {
		if v, ok := w.header[k]; ok {
			t[k] = v
		}
	}
	for k, v := range w.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			t[http.CanonicalHeaderKey(name)] = v
		}
	}
	w.writeFields(t)
	w.c.bw.WriteString("\r\n")
}

func (w *response) trailerNames() []string {
	var names []string
	for _, v := range w.header["Trailer"] {
		for _, k := range strings.Split(v, ",") {
			if k = strings.TrimSpace(k); k != "" {
				names = append(names, http.CanonicalHeaderKey(k))
			}
		}
	}
	return names
}

func (w *response) setErr(err error) {
	if w.err == nil {
		w.err = err
	}
}

// bodyAllowed says whether a response with status may have a body
// (RFC 9110 §6.4.1): not 1xx, 204 or 304.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// reason is the reason phrase: RFC 9110's, where Go's still has RFC 7231's,
// so that it reads as the C specimens' does.
func reason(code int) string {
	switch code {
	case http.StatusRequestEntityTooLarge:
		return "Content Too Large"
	case http.StatusRequestURITooLong:
		return "URI Too Long"
	case http.StatusUnprocessableEntity:
		return "Unprocessable Content"
	}
	return http.StatusText(code)
}
