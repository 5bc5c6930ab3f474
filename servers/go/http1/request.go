package http1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Limits. Past each one a request is refused with the status beside it.
// servers/c/http.h draws the same lines, so that every specimen refuses at
// the same byte.
const (
	MaxRequestLine  = 8000    // 414; RFC 9112 §3 asks for at least 8000
	MaxHeaderBytes  = 8 << 10 // 431: the field lines and the empty line, line ends included
	MaxHeaderFields = 100     // 431
	MaxBodyBytes    = 1 << 20 // 413: Content-Length, or the chunks' total
	maxEmptyLines   = 8       // 400: empty lines before a request line
)

// refusal is a request the server will not serve: the status it answers
// with before it closes the connection.
type refusal struct {
	status int
	head   bool // the request said HEAD: the reply leaves its body out
}

func (r *refusal) Error() string {
	return fmt.Sprintf("refuse with %d %s", r.status, http.StatusText(r.status))
}

func refuse(status int) error { return &refusal{status: status} }

// head is a request's line and header section, checked, its body not read.
type head struct {
	method     string
	target     string
	url        *url.URL
	minor      int // HTTP/1.minor: 0 or 1
	header     http.Header
	host       string
	length     int64 // Content-Length, 0 without one
	chunked    bool
	keepAlive  bool // the connection may carry another request
	expect100  bool // Expect: 100-continue from an HTTP/1.1 client
	fieldBytes int  // of MaxHeaderBytes; trailers spend the rest
}

// readHead reads and checks a request line and its header section. A
// request that must be refused returns a *refusal; an I/O error (EOF, a
// deadline) comes back as it is.
func readHead(br *bufio.Reader) (*head, error) {
	line, err := readLine(br, MaxRequestLine+len("\r\n"))
	if err == nil && len(trimEOL(line)) > MaxRequestLine {
		err = errTooLong
	}
	// The method is known once its SP is read, as in the C parser; line is
	// only valid until br is read again.
	isHead := bytes.HasPrefix(line, []byte("HEAD "))
	var h *head
	switch err {
	case nil:
		if h, err = parseRequestLine(trimEOL(line)); err == nil {
			err = h.readFields(br)
		}
	case errTooLong:
		// A bad byte before the limit would have been found first.
		if _, _, _, err = splitRequestLine(line[:MaxRequestLine], false); err == nil {
			err = refuse(http.StatusRequestURITooLong)
		}
	}
	if r, ok := err.(*refusal); ok {
		r.head = isHead
	}
	if err != nil {
		return nil, err
	}
	return h, nil
}

// splitRequestLine checks a request line's bytes in order, method SP target
// SP version, as far as they go (whole says whether line is complete), and
// returns its three parts. Spaces are single: SP SP is an empty target.
func splitRequestLine(line []byte, whole bool) (method, target, version []byte, err error) {
	sp1, sp2 := -1, -1
	for i, c := range line {
		switch {
		case sp1 < 0:
			if c == ' ' && i > 0 {
				sp1 = i
			} else if class[c]&tchar == 0 {
				return nil, nil, nil, refuse(http.StatusBadRequest) // TLS, NUL, a leading space: not HTTP
			}
		case sp2 < 0:
			if c == ' ' && i > sp1+1 {
				sp2 = i
			} else if class[c]&vchar == 0 {
				return nil, nil, nil, refuse(http.StatusBadRequest) // controls, bytes >= 0x80, SP SP
			}
		default:
			if class[c]&vchar == 0 || i-sp2 > len("HTTP/1.1") {
				return nil, nil, nil, refuse(http.StatusBadRequest)
			}
		}
	}
	if whole && sp2 < 0 {
		return nil, nil, nil, refuse(http.StatusBadRequest) // HTTP/0.9's "GET /", or less
	}
	if !whole {
		return nil, nil, nil, nil
	}
	return line[:sp1], line[sp1+1 : sp2], line[sp2+1:], nil
}

// parseRequestLine checks a whole request line in the C parser's order: its
// bytes, then the version (400 unless HTTP/d.d, 505 unless 1.x), then the
// method (501 unless known), then the target's form (400), so that
// "PRI * HTTP/2.0" is a 505 and "get / HTTP/1.1" a 501.
func parseRequestLine(line []byte) (*head, error) {
	m, t, v, err := splitRequestLine(line, true)
	if err != nil {
		return nil, err
	}
	if len(v) != 8 || string(v[:5]) != "HTTP/" || !isDigit(v[5]) || v[6] != '.' || !isDigit(v[7]) {
		return nil, refuse(http.StatusBadRequest)
	}
	if v[5] != '1' {
		return nil, refuse(http.StatusHTTPVersionNotSupported) // HTTP/2.0, HTTP/0.9
	}
	h := &head{method: string(m), target: string(t), minor: 1, header: http.Header{}}
	// RFC 9110 §2.5: a higher minor version is served as the highest we know.
	if v[7] == '0' {
		h.minor = 0
	}
	if !knownMethods[h.method] {
		return nil, refuse(http.StatusNotImplemented) // methods are case-sensitive: "get" is another one
	}
	if h.url, err = parseTarget(h.method, h.target); err != nil {
		return nil, refuse(http.StatusBadRequest)
	}
	return h, nil
}

// knownMethods are RFC 9110's methods and PATCH (RFC 5789). A handler
// decides what it allows (405); a method the server does not know is 501.
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true,
	"PATCH": true, "OPTIONS": true, "TRACE": true, "CONNECT": true,
}

// parseTarget reads the request-target in the form its first byte and the
// method call for (RFC 9112 §3.2): origin-form "/path?query", absolute-form
// "scheme://authority/path", authority-form for CONNECT, "*" for OPTIONS.
func parseTarget(method, target string) (*url.URL, error) {
	switch c := target[0]; {
	case method == http.MethodConnect:
		return &url.URL{Host: target}, nil
	case c == '/':
		return url.ParseRequestURI(target)
	case target == "*" && method == http.MethodOptions:
		return &url.URL{Path: "*"}, nil
	case isLetter(c):
		scheme, rest, ok := strings.Cut(target, ":")
		if !ok || !strings.HasPrefix(rest, "//") || strings.IndexFunc(scheme, notScheme) >= 0 {
			return nil, errors.New("not absolute-form")
		}
		u, err := url.ParseRequestURI(target)
		if err == nil && u.Path == "" {
			u.Path = "/" // "http://host" asks for "/"
		}
		return u, err
	}
	return nil, errors.New("no request-target form")
}

func notScheme(r rune) bool { return r >= 0x80 || class[r]&schemeChar == 0 }

// readFields reads the header section into h and decides from it whether
// and how a body follows, in the C parser's order.
func (h *head) readFields(br *bufio.Reader) error {
	var hosts, lengths, codings, chunked int
	var te, lastChunked bool // a Transfer-Encoding field; its last member is chunked
	var lengthBad, close, keepAlive bool
	for fields := 1; ; fields++ {
		budget := MaxHeaderBytes - h.fieldBytes
		line, err := readLine(br, budget)
		if err == errTooLong {
			// A CR that is the last byte within budget is a line end's start.
			prefix := bytes.TrimSuffix(line[:budget], []byte("\r"))
			if _, _, err := splitField(prefix, fields, false); err != nil {
				return err
			}
			return refuse(http.StatusRequestHeaderFieldsTooLarge)
		}
		if err != nil {
			return err
		}
		h.fieldBytes += len(line)
		line = trimEOL(line)
		if len(line) == 0 {
			break
		}
		name, value, err := splitField(line, fields, true)
		if err != nil {
			return err
		}
		key := http.CanonicalHeaderKey(string(name))
		h.header[key] = append(h.header[key], string(value))
		switch key {
		case "Host":
			hosts++
		case "Content-Length":
			n, ok := parseLength(value)
			if !ok || (lengths > 0 && n != h.length) {
				lengthBad = true // invalid, negative, a list, or two that disagree
			}
			h.length = n
			lengths++
		case "Transfer-Encoding":
			te = true // present, even with an empty list
			lastChunked = false
			for _, c := range listMembers(value) {
				codings++
				lastChunked = c == "chunked"
				if lastChunked {
					chunked++
				}
			}
		case "Connection":
			for _, c := range listMembers(value) {
				close = close || c == "close"
				keepAlive = keepAlive || c == "keep-alive"
			}
		case "Expect":
			// RFC 9110 §10.1.1: an HTTP/1.0 client's expectation is ignored.
			h.expect100 = h.minor == 1 && strings.EqualFold(string(value), "100-continue")
		}
	}

	// RFC 9112 §3.2: exactly one Host in HTTP/1.1, never two in any version.
	if hosts > 1 || (h.minor == 1 && hosts == 0) || lengthBad {
		return refuse(http.StatusBadRequest)
	}
	if te && lengths > 0 {
		return refuse(http.StatusBadRequest) // RFC 9112 §6.1: how requests are smuggled
	}
	h.keepAlive = !close && (h.minor == 1 || keepAlive)
	if te {
		if !lastChunked {
			// RFC 9112 §6.3: the last coding is not chunked (an empty list
			// has none): the body's length cannot be known.
			return refuse(http.StatusBadRequest)
		}
		if codings > chunked {
			return refuse(http.StatusNotImplemented) // gzip, br, ...: nothing we decode
		}
		if chunked > 1 {
			return refuse(http.StatusBadRequest) // chunked twice
		}
		if h.minor == 0 {
			h.keepAlive = false // RFC 9112 §6.1: HTTP/1.0 framing is faulty, close after
		}
		h.chunked = true
		h.header.Del("Transfer-Encoding") // as net/http: it is in Request.TransferEncoding
	} else if h.length > MaxBodyBytes {
		return refuse(http.StatusRequestEntityTooLarge)
	}
	if lengths > 0 {
		h.header["Content-Length"] = h.header["Content-Length"][:1]
	}
	h.host = h.header.Get("Host")
	h.header.Del("Host") // as net/http: it is in Request.Host
	if h.url.Host != "" && h.method != http.MethodConnect {
		h.host = h.url.Host // RFC 9112 §3.2.2: absolute-form wins over Host
	}
	if !h.hasBody() {
		h.expect100 = false
	}
	return nil
}

// splitField checks a field line's bytes in order (a token, a colon, then
// field-value bytes) as far as they go, and returns its name and its value
// without the optional whitespace around it. fields is the line's number.
func splitField(line []byte, fields int, whole bool) (name, value []byte, err error) {
	if len(line) == 0 {
		return nil, nil, nil
	}
	if class[line[0]]&tchar == 0 {
		return nil, nil, refuse(http.StatusBadRequest) // obs-fold, ':' with no name, NUL
	}
	if fields > MaxHeaderFields {
		return nil, nil, refuse(http.StatusRequestHeaderFieldsTooLarge)
	}
	colon := -1
	for i, c := range line {
		if colon < 0 {
			if c == ':' {
				colon = i
			} else if class[c]&tchar == 0 {
				return nil, nil, refuse(http.StatusBadRequest) // "Host :", a line with no colon
			}
		} else if class[c]&fieldChar == 0 {
			return nil, nil, refuse(http.StatusBadRequest) // NUL, CR, controls, DEL
		}
	}
	if colon < 0 {
		if whole {
			return nil, nil, refuse(http.StatusBadRequest)
		}
		return nil, nil, nil
	}
	return line[:colon], bytes.Trim(line[colon+1:], " \t"), nil
}

// parseLength reads a Content-Length value: digits and nothing else, no
// sign, no list. Values far past MaxBodyBytes saturate instead of wrapping.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = min(n*10+int64(c-'0'), 1<<40)
	}
	return n, true
}

// listMembers splits a Connection or Transfer-Encoding value into its
// lowercased members; empty members are allowed and dropped.
func listMembers(v []byte) []string {
	return strings.FieldsFunc(strings.ToLower(string(v)), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t'
	})
}

func (h *head) hasBody() bool { return h.chunked || h.length > 0 }

// request is the *http.Request a handler gets: net/http's own type, filled
// as net/http's server fills it, with the body already read.
func (h *head) request(ctx context.Context, body []byte, remoteAddr string) *http.Request {
	r := &http.Request{
		Method:        h.method,
		URL:           h.url,
		Proto:         fmt.Sprintf("HTTP/1.%d", h.minor),
		ProtoMajor:    1,
		ProtoMinor:    h.minor,
		Header:        h.header,
		Body:          http.NoBody,
		ContentLength: int64(len(body)),
		Close:         !h.keepAlive,
		Host:          h.host,
		RemoteAddr:    remoteAddr,
		RequestURI:    h.target,
	}
	if h.chunked {
		r.TransferEncoding = []string{"chunked"}
		r.ContentLength = -1 // as net/http: the length was not declared
	}
	if len(body) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return r.WithContext(ctx)
}
