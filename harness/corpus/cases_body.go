package corpus

import (
	"bytes"
	"strconv"
)

// maxBody is the lab's body limit (servers/c/http.h HTTP_MAX_BODY): a
// Content-Length past it is a 413.
const maxBody = 1 << 20

// post is a request for /hello with the method, fields and body given.
func post(fields, body string) func() []byte {
	return text("POST /hello HTTP/1.1\r\n" + fields + closing + body)
}

// bodyOverLimit is a POST whose Content-Length and body are one byte past
// the lab's limit.
func bodyOverLimit() []byte {
	n := maxBody + 1
	var b bytes.Buffer
	b.Grow(n + 128)
	b.WriteString("POST /hello HTTP/1.1\r\nContent-Length: " + strconv.Itoa(n) + "\r\n" + closing)
	b.Write(bytes.Repeat([]byte{'a'}, n))
	return b.Bytes()
}

// bodyWithoutLength is a GET with 1 MiB of text after it and nothing that
// says so: the text is the next request, and each of its lines, a token
// without spaces, is no request line.
func bodyWithoutLength() []byte {
	const line = "0123456789abcdef\n"
	var b bytes.Buffer
	b.Grow(maxBody + 128)
	b.WriteString("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	for b.Len() < maxBody {
		b.WriteString(line)
	}
	return b.Bytes()
}

// bodyCases break the message body's framing (RFC 9112 §6, §7): where
// request smuggling lives, so where the RFC says MUST.
func bodyCases() []Case {
	return []Case{{
		Name: "content-length-differing", Sends: "Content-Length: 5 and Content-Length: 6",
		Way: Whole, Input: post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), Malformed: true,
		Expect: Expect{Statuses: bad, Close: true},
		RFC:    "RFC 9110 §8.6, RFC 9112 §6.3 (5): an invalid Content-Length; the server MUST answer 400 and close",
	}, {
		Name: "content-length-negative", Sends: "Content-Length: -1",
		Way: Whole, Input: post("Content-Length: -1\r\n", ""), Malformed: true,
		Expect: Expect{Statuses: bad, Close: true},
		RFC:    "RFC 9110 §8.6: Content-Length = 1*DIGIT; RFC 9112 §6.3 (5): MUST 400 and close",
	}, {
		Name: "content-length-plus", Sends: "Content-Length: +5",
		Way: Whole, Input: post("Content-Length: +5\r\n", "hello"), Malformed: true,
		Expect: Expect{Statuses: bad, Close: true},
		RFC:    "RFC 9110 §8.6: Content-Length = 1*DIGIT, no sign; RFC 9112 §6.3 (5): MUST 400 and close",
	}, {
		Name: "content-length-huge", Sends: "Content-Length: 99999999999999999999 (past 2^64)",
		Way: Whole, Input: post("Content-Length: 99999999999999999999\r\n", "hello"),
		Expect: Expect{Statuses: []int{400, 413}, Close: true},
		RFC: "RFC 9110 §8.6: MUST anticipate large numerals (no overflow); 413 for content too large (RFC 9110 §15.5.14), " +
			"400 from one that calls it invalid; the rest of the body is unread: close",
	}, {
		Name: "body-over-limit", Sends: "a POST with Content-Length 1 MiB + 1 and that body",
		Way: Whole, Input: bodyOverLimit,
		Expect: Expect{Statuses: []int{413}, Silent: true, Reset: true},
		RFC:    "RFC 9110 §15.5.14: 413, and the server MAY close (lab's limit: 1 MiB)",
	}, {
		Name: "body-without-length", Sends: "GET /hello, then 1 MiB of text lines with no length",
		Way: Whole, Input: bodyWithoutLength,
		Expect: Expect{Statuses: hello200, Then: bad, Requests: 2, Reset: true},
		RFC: "RFC 9112 §6.3 (7): no length, no body: 200, then the text is a next request: 400 (§3), " +
			"or the server closes after its reply",
	}, {
		Name: "chunked-valid", Sends: "GET /hello with a chunked body of 5 bytes",
		Way: Whole, Input: text("GET /hello HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + closing + "5\r\nhello\r\n0\r\n\r\n"),
		Expect: Expect{Statuses: []int{200, 411}, Close: true},
		RFC:    "RFC 9112 §7.1: a recipient MUST parse chunked: 200; §6.3: MAY 411 to ask for a Content-Length",
	}, {
		Name: "chunked-malformed", Sends: `a chunk size "zz"`,
		Way: Whole, Input: chunked("zz\r\nhello\r\n0\r\n\r\n"), Malformed: true,
		Expect: Expect{Statuses: []int{400, 411}},
		RFC: "RFC 9112 §7.1: chunk-size is hex: 400; §6.3: MAY 411 from a server that takes no chunked body " +
			"(never 501: §7.1 says a recipient MUST parse chunked)",
	}, {
		Name: "chunk-size-overflow", Sends: "a chunk size of 18 hex digits (past 2^64)",
		Way: Whole, Input: chunked("FFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"),
		Expect: Expect{Statuses: []int{400, 411, 413}},
		RFC:    "RFC 9112 §7.1: MUST anticipate large numerals (no overflow): 413 or 400; §6.3: MAY 411",
	}, {
		Name: "te-gzip", Sends: "Transfer-Encoding: gzip (chunked not last)",
		Way: Whole, Input: post("Transfer-Encoding: gzip\r\n", "hello"),
		Expect: Expect{Statuses: []int{400, 411, 501}, Close: true},
		RFC: "RFC 9112 §6.3 (4): chunked not the last coding of a request: MUST 400 and close; " +
			"§6.1: SHOULD 501 for a coding not understood; §6.3: MAY 411",
	}, {
		Name: "te-gzip-chunked", Sends: "Transfer-Encoding: gzip, chunked",
		Way: Whole, Input: post("Transfer-Encoding: gzip, chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"),
		Expect: Expect{Statuses: []int{501, 411, 400}},
		RFC:    "RFC 9112 §6.1: SHOULD 501 for a transfer coding the server does not understand; §6.3: MAY 411; 400 is tolerated",
	}, {
		Name: "te-and-content-length", Sends: "Transfer-Encoding: chunked and Content-Length: 5",
		Way: Whole, Input: post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"),
		Expect: Expect{Statuses: []int{400, 411, 405, 200}, Close: true},
		RFC: "RFC 9112 §6.1: MAY reject (400), or process by Transfer-Encoding alone (then /hello answers POST); " +
			"either way the server MUST close after responding; §6.3: MAY 411",
	}, {
		Name: "post-hello", Sends: "POST /hello with a 5-byte body",
		Way: Whole, Input: post("Content-Length: 5\r\n", "hello"),
		Expect: Expect{Statuses: []int{405, 200}, Close: true},
		RFC: "RFC 9110 §9.3.3: what POST does is the resource's: 405 (with Allow, §15.5.6) where only GET and HEAD are, " +
			"200 where the resource takes POST; it has a length, so not 411",
	}, {
		Name: "post-then-get", Sends: "POST /hello with a 5-byte body, then GET /hello, pipelined",
		Way: Whole, Input: text("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
			"GET /hello HTTP/1.1\r\n" + closing),
		Expect: Expect{Statuses: []int{405, 200}, Then: hello200, Requests: 2, Close: true},
		RFC: "RFC 9112 §6.3 (6): the body is 5 bytes and no more, so the GET is a request of its own: " +
			"405 or 200, then 200 (§9.3.2: in order), or a close after the first",
	}}
}

// chunked is a POST whose chunked body is body as given.
func chunked(body string) func() []byte {
	return post("Transfer-Encoding: chunked\r\n", body)
}
