package corpus

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Cases returns the whole corpus, in the order a run sends it: the request
// line, the fields, the body's framing, then the connection's behaviour.
// Each call makes new values: callers may change what they get.
func Cases() []Case {
	var cs []Case
	for _, group := range [][]Case{lineCases(), fieldCases(), bodyCases(), connectionCases()} {
		cs = append(cs, group...)
	}
	return cs
}

// The allowed sets that recur.
var (
	bad      = []int{400}
	hello200 = []int{200}
)

// The end of a request's header section that asks the server to close
// after its reply, so that a well-behaved server ends every case at once.
const closing = "Host: x\r\nConnection: close\r\n\r\n"

// text is an input of fixed bytes.
func text(s string) func() []byte { return func() []byte { return []byte(s) } }

// get is a request for /hello with the fields given, ended by closing.
func get(fields string) func() []byte {
	return text("GET /hello HTTP/1.1\r\n" + fields + closing)
}

// requestLine is a request whose request line is n bytes long, the target
// padded with 'a': past 8000 it is over the lab's limit (servers/c/http.h).
func requestLine(n int) func() []byte {
	return func() []byte {
		const method, version = "GET /", " HTTP/1.1\r\n"
		var b bytes.Buffer
		b.Grow(n + 64)
		b.WriteString(method)
		b.Write(bytes.Repeat([]byte{'a'}, n-len(method)-len(version)+2))
		b.WriteString(version)
		b.WriteString(closing)
		return b.Bytes()
	}
}

// manyFields is a request with n small field lines besides Host.
func manyFields(n int) func() []byte {
	return func() []byte {
		var b bytes.Buffer
		b.WriteString("GET /hello HTTP/1.1\r\n")
		for i := range n {
			fmt.Fprintf(&b, "X-Field-%d: %d\r\n", i, i)
		}
		b.WriteString(closing)
		return b.Bytes()
	}
}

// garbage is n bytes from a seeded generator: the same bytes every run.
func garbage(n int) func() []byte {
	return func() []byte {
		r := rand.New(rand.NewPCG(9110, 9112))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
}

// clientHello is the start of a TLS 1.2 ClientHello record, as a client
// that dialled http:// with https:// in mind sends it: no line end in it.
var clientHello = []byte{
	0x16, 0x03, 0x01, 0x00, 0x2d, // handshake record, TLS 1.0 framing, 45 bytes
	0x01, 0x00, 0x00, 0x29, 0x03, 0x03, // ClientHello, 41 bytes, TLS 1.2
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, // random, with no LF in it
	0x00,                   // no session id
	0x00, 0x02, 0xc0, 0x2f, // one cipher suite
	0x01, 0x00, // null compression
}

// lineCases break the request line (RFC 9112 §3).
func lineCases() []Case {
	return []Case{{
		Name: "no-line-end", Sends: `"GET /hello HTTP/1.1" with no line end, then half-close`,
		Way: HalfClose, Input: text("GET /hello HTTP/1.1"), Malformed: true,
		Expect: Expect{Statuses: bad, Silent: true, Close: true},
		RFC:    "RFC 9112 §8: an incomplete request; 400, or close (the client has closed its side)",
	}, {
		Name: "bare-lf", Sends: "a request whose every line ends in a bare LF",
		Way: Whole, Input: text("GET /hello HTTP/1.1\nHost: x\nConnection: close\n\n"),
		Expect: Expect{Statuses: []int{200, 400}, Close: true},
		RFC:    "RFC 9112 §2.2: a recipient MAY take a bare LF as a line end: 200, or 400 from one that does not",
	}, {
		Name: "leading-empty-line", Sends: "CRLF, then a request",
		Way: Whole, Input: text("\r\nGET /hello HTTP/1.1\r\n" + closing),
		Expect: Expect{Statuses: hello200, Close: true},
		RFC:    "RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line",
	}, {
		Name: "request-line-8k", Sends: "a request line of 8192 bytes (a long path)",
		Way: Whole, Input: requestLine(8 << 10),
		Expect: Expect{Statuses: []int{414}},
		RFC:    "RFC 9112 §3: MUST 414 for a target longer than the server parses (the lab's limit: 8000)",
	}, {
		Name: "request-line-1m", Sends: "a request line of 1 MiB",
		Way: Whole, Input: requestLine(1 << 20),
		Expect: Expect{Statuses: []int{414}, Silent: true, Reset: true},
		RFC:    "RFC 9112 §3: MUST 414; a server may also close before the line ends (RFC 9112 §9.6)",
	}, {
		Name: "http09", Sends: `HTTP/0.9's "GET /hello" CRLF, then wait`,
		Way: Whole, Input: text("GET /hello\r\n"), Malformed: true, Slow: true,
		Expect: Expect{Statuses: []int{400, 408}, Silent: true},
		RFC: "RFC 9112 §3: a request line has a version; SHOULD 400 for an invalid one, or close; " +
			"408 from a server that waits for the header section's end (RFC 9110 §15.5.9)",
	}, {
		Name: "http2-preface", Sends: "HTTP/2's connection preface (PRI * HTTP/2.0 ...)",
		Way: Whole, Input: text("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
		Expect: Expect{Statuses: []int{505, 400}, Silent: true},
		RFC:    "RFC 9113 §3.4: the preface is built to fail on HTTP/1.1; RFC 9110 §15.6.6: 505, or 400, or close",
	}, {
		Name: "http3-version", Sends: "GET /hello HTTP/3.0",
		Way: Whole, Input: text("GET /hello HTTP/3.0\r\n" + closing),
		Expect: Expect{Statuses: []int{505}},
		RFC:    "RFC 9110 §15.6.6, RFC 9112 §2.3: 505 for a major version the server does not support",
	}, {
		Name: "lowercase-version", Sends: "GET /hello http/1.1",
		Way: Whole, Input: text("GET /hello http/1.1\r\n" + closing), Malformed: true,
		Expect: Expect{Statuses: bad},
		RFC:    `RFC 9112 §2.3: HTTP-name is "HTTP", case-sensitive; §3: SHOULD 400 for an invalid request line`,
	}, {
		Name: "unknown-method", Sends: "FOO /hello HTTP/1.1",
		Way: Whole, Input: text("FOO /hello HTTP/1.1\r\n" + closing),
		Expect: Expect{Statuses: []int{501}},
		RFC:    "RFC 9110 §9.1: SHOULD 501 for a method the origin server does not recognise (the line is well-formed: not 400)",
	}, {
		Name: "lowercase-method", Sends: "get /hello HTTP/1.1",
		Way: Whole, Input: text("get /hello HTTP/1.1\r\n" + closing),
		Expect: Expect{Statuses: []int{501}},
		RFC:    `RFC 9110 §9.1: methods are case-sensitive, "get" is an unrecognised token: SHOULD 501 (not 400, it is a token)`,
	}, {
		Name: "method-not-token", Sends: "GE(T /hello HTTP/1.1",
		Way: Whole, Input: text("GE(T /hello HTTP/1.1\r\n" + closing), Malformed: true,
		Expect: Expect{Statuses: bad},
		RFC:    `RFC 9110 §9.1: a method is a token, and "(" is a delimiter; RFC 9112 §3: SHOULD 400`,
	}, {
		Name: "nul-in-target", Sends: "a NUL byte in the request target",
		Way: Whole, Input: text("GET /hel\x00lo HTTP/1.1\r\n" + closing), Malformed: true,
		Expect: Expect{Statuses: []int{400, 301}},
		RFC:    "RFC 3986 has no NUL in a URI; RFC 9112 §3: SHOULD 400, or 301 to the target properly encoded",
	}, {
		Name: "bare-cr-in-target", Sends: "a bare CR inside the request target",
		Way: Whole, Input: text("GET /hel\rlo HTTP/1.1\r\n" + closing), Malformed: true,
		Expect: Expect{Statuses: []int{400, 301}},
		RFC:    "RFC 9112 §2.2: a bare CR is invalid, or replaced by SP, which splits the line in four; §3: SHOULD 400 (or 301)",
	}, {
		Name: "absolute-form", Sends: "GET http://x/hello HTTP/1.1",
		Way: Whole, Input: text("GET http://x/hello HTTP/1.1\r\n" + closing),
		Expect: Expect{Statuses: hello200, Close: true},
		RFC:    "RFC 9112 §3.2.2: a server MUST accept the absolute-form",
	}, {
		Name: "options-asterisk", Sends: "OPTIONS * HTTP/1.1",
		Way: Whole, Input: text("OPTIONS * HTTP/1.1\r\n" + closing),
		Expect: Expect{Statuses: []int{200, 204, 400, 405, 501}, Close: true},
		RFC: "RFC 9112 §3.2.4, RFC 9110 §9.3.7: server-wide OPTIONS; 200 or 204 where served, " +
			"405 or 501 where not, 400 from a server that takes no asterisk-form",
	}, {
		Name: "binary-garbage", Sends: "4 KiB of seeded random bytes, then wait",
		Way: Whole, Input: garbage(4 << 10), Malformed: true, Slow: true,
		Expect: Expect{Statuses: []int{400, 408}, Silent: true},
		RFC: "RFC 9112 §3: SHOULD 400 for what is no request line, or close; " +
			"408 from a server that waits for a line end (RFC 9110 §15.5.9)",
	}, {
		Name: "tls-client-hello", Sends: "a TLS ClientHello on the plain-text port, then wait",
		Way: Whole, Input: text(string(clientHello)), Malformed: true, Slow: true,
		Expect: Expect{Statuses: []int{400, 408}, Silent: true},
		RFC:    "RFC 9112 §3: SHOULD 400, or close; 408 from a server that waits for a line end (RFC 9110 §15.5.9)",
	}}
}

// fieldCases break the header section (RFC 9112 §5, RFC 9110 §5).
func fieldCases() []Case {
	return []Case{{
		Name: "fields-10000", Sends: "10 000 field lines",
		Way: Whole, Input: manyFields(10000),
		Expect: Expect{Statuses: []int{431}, Reset: true},
		RFC:    "RFC 9110 §5.4: MUST an appropriate 4xx for more fields than the server processes; RFC 6585 §5: 431 (lab's limit: 100)",
	}, {
		Name: "field-9k", Sends: "one field line of 9 KiB",
		Way: Whole, Input: get("X-Big: " + strings.Repeat("a", 9<<10) + "\r\n"),
		Expect: Expect{Statuses: []int{431}},
		RFC:    "RFC 9110 §5.4: MUST an appropriate 4xx for a field larger than the server processes; RFC 6585 §5: 431 (lab's limit: 8 KiB)",
	}, {
		Name: "field-no-colon", Sends: "a field line without a colon",
		Way: Whole, Input: get("NoColonHere\r\n"), Malformed: true,
		Expect: Expect{Statuses: bad},
		RFC:    "RFC 9112 §5: field-line = field-name \":\" ...; RFC 9110 §15.5.1: 400",
	}, {
		Name: "space-before-colon", Sends: `"Host : x"`,
		Way: Whole, Input: text("GET /hello HTTP/1.1\r\nHost : x\r\nConnection: close\r\n\r\n"), Malformed: true,
		Expect: Expect{Statuses: bad},
		RFC:    "RFC 9112 §5.1: a server MUST reject whitespace between a field name and the colon with 400",
	}, {
		Name: "nul-in-field", Sends: "a NUL byte in a field value",
		Way: Whole, Input: get("X-Nul: a\x00b\r\n"),
		Expect: Expect{Statuses: []int{400, 200}},
		RFC:    "RFC 9110 §5.5: NUL in a field value; MUST reject (400) or replace it with SP and go on (200)",
	}, {
		Name: "obs-fold", Sends: "a field value folded onto a second line",
		Way: Whole, Input: get("X-Fold: a\r\n b\r\n"),
		Expect: Expect{Statuses: []int{400, 200}},
		RFC:    "RFC 9112 §5.2: MUST reject obs-fold with 400, or replace it with SP and go on (200)",
	}, {
		Name: "no-host", Sends: "an HTTP/1.1 request without Host",
		Way: Whole, Input: text("GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n"), Malformed: true,
		Expect: Expect{Statuses: bad},
		RFC:    "RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request that lacks Host",
	}, {
		Name: "two-hosts", Sends: "two Host fields",
		Way: Whole, Input: get("Host: y\r\n"), Malformed: true,
		Expect: Expect{Statuses: bad},
		RFC:    "RFC 9112 §3.2: a server MUST answer 400 to a request with more than one Host field line",
	}, {
		Name: "http10-no-host", Sends: "an HTTP/1.0 request without Host",
		Way: Whole, Input: text("GET /hello HTTP/1.0\r\n\r\n"),
		Expect: Expect{Statuses: hello200, Close: true},
		RFC:    "RFC 9112 §3.2: Host is required of HTTP/1.1 only; §9.3: HTTP/1.0 closes unless keep-alive",
	}}
}
