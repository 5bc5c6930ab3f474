package corpus

import "strings"

// pipelined is n requests for /hello back to back, the last asking to close.
func pipelined(n int) func() []byte {
	return func() []byte {
		one := "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
		return []byte(strings.Repeat(one, n-1) + "GET /hello HTTP/1.1\r\n" + closing)
	}
}

// connectionCases misuse the connection rather than the grammar: many
// requests at once, one byte at a time, too slowly, or not at all.
func connectionCases() []Case {
	return []Case{{
		Name: "pipelined-100", Sends: "100 requests for /hello in one write, the last with Connection: close",
		Way: Whole, Input: pipelined(100),
		Expect: Expect{Statuses: hello200, Then: hello200, Requests: 100, Reset: true},
		RFC: "RFC 9112 §9.3.2: a server MUST answer pipelined requests in order: 200 each; " +
			"one that closes after a reply answers fewer (the client retries the rest)",
	}, {
		Name: "bytewise", Sends: "a request for /hello, one byte per write",
		Way: Bytewise, Input: get(""),
		Expect: Expect{Statuses: hello200, Close: true},
		RFC:    "RFC 9112 §2.1: HTTP/1.1 is a byte stream; segment boundaries mean nothing: 200",
	}, {
		Name: "head-hello", Sends: "HEAD /hello",
		Way: Whole, Input: text("HEAD /hello HTTP/1.1\r\n" + closing),
		Expect: Expect{Statuses: hello200, Close: true, Head: true},
		RFC:    "RFC 9110 §9.3.2: 200 as for GET, and the server MUST NOT send content",
	}, {
		Name: "half-close-after-request", Sends: "a whole request for /hello without Connection: close, then half-close",
		Way: HalfClose, Input: text("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
		Expect: Expect{Statuses: hello200, Close: true},
		RFC: "RFC 9112 §9.6: a half-close ends the client's requests, not its wish for a reply: " +
			"200, then the server closes",
	}, {
		Name: "slowloris", Sends: "a request line and Host, then a field line at the trickle pace (250 ms), never the end",
		Way: Trickle, Input: text("GET /hello HTTP/1.1\r\nHost: x\r\n"), Slow: true,
		Expect: Expect{Statuses: []int{408}, Silent: true, Reset: true},
		RFC: "RFC 9110 §15.5.9: 408, or a close, once the request has not come whole within the server's " +
			"timeout (RFC 9112 §9.5); the lab's rule: its idle timeout, counted for the request, not each read",
	}, {
		Name: "idle-connection", Sends: "nothing",
		Way: Silent, Slow: true,
		Expect: Expect{Statuses: []int{408}, Silent: true},
		RFC:    "RFC 9112 §9.5: a server closes an idle connection, with or without 408 (RFC 9110 §15.5.9), after its timeout",
	}, {
		Name: "reset-mid-request", Sends: "half a request, then SO_LINGER 0 and close: an RST",
		Way: Abort, Input: text("GET /hello HTTP/1.1\r\nHost: x\r\nX-Half: "),
		Expect: Expect{Nothing: true},
		RFC:    "RFC 9112 §9.6: the connection is gone; no reply is possible: the server must only live on",
	}}
}
