package http1

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// get is a request with the given fields (each ending in CRLF) and body.
func get(fields, body string) string { return "GET / HTTP/1.1\r\n" + fields + "\r\n" + body }

// line is a request line of exactly n bytes for method.
func line(method string, n int) string {
	pad := n - len(method+" / HTTP/1.1")
	return method + " /" + strings.Repeat("a", pad) + " HTTP/1.1\r\nHost: x\r\n\r\n"
}

// fields is "Host: x" and then k more field lines, n bytes in all with the
// empty line that ends them.
func fields(k, n int) string {
	var b strings.Builder
	b.WriteString("Host: x\r\n")
	for i := range k {
		if i == k-1 {
			pad := n - b.Len() - len("F: \r\n\r\n")
			fmt.Fprintf(&b, "F: %s\r\n", strings.Repeat("v", pad))
		} else {
			fmt.Fprintf(&b, "F%d: v\r\n", i)
		}
	}
	return "GET / HTTP/1.1\r\n" + b.String() + "\r\n"
}

func TestStatus(t *testing.T) {
	const host = "Host: x\r\n"
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		// The baseline: a whole, valid request.
		{"valid", get(host, ""), 200},
		// The seed client's request: bare LF line ends.
		{"bare LF", "GET /hello HTTP/1.1\nHost: localhost\n\n", 200},

		// A request line of 8000 bytes is served; one more is 414.
		{"line 8000", line("GET", 8000), 200},
		{"line 8001", line("GET", 8001), 414},
		// A bad byte before the limit is found first: 400.
		{"line 8001 with NUL", "GET /\x00" + line("GET", 8001)[6:], 400},

		// A header section (field lines and the empty line) of 8 KiB is served; one byte more is 431.
		{"fields 8192 bytes", fields(2, 8192), 200},
		{"fields 8193 bytes", fields(2, 8193), 431},
		// 100 field lines are served, 101 are 431.
		{"100 fields", fields(99, 2000), 200},
		{"101 fields", fields(100, 2000), 431},

		// A field line without a colon.
		{"no colon", get(host+"Foo\r\n", ""), 400},
		// Whitespace between name and colon (RFC 9112 §5.1).
		{"space before colon", get(host+"Foo : bar\r\n", ""), 400},
		// obs-fold: a line that continues the one before.
		{"obs-fold", get(host+"Foo: bar\r\n baz\r\n", ""), 400},
		// A first field line that starts with whitespace.
		{"leading space", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400},
		// An empty field name.
		{"empty name", get(host+": bar\r\n", ""), 400},
		// A name that is not a token.
		{"name not token", get(host+"Fo@o: bar\r\n", ""), 400},
		// NUL, a control character, DEL and a bare CR in a value.
		{"NUL in value", get(host+"Foo: a\x00b\r\n", ""), 400},
		{"control in value", get(host+"Foo: a\x01b\r\n", ""), 400},
		{"DEL in value", get(host+"Foo: a\x7fb\r\n", ""), 400},
		{"CR in value", get(host+"Foo: a\rb\r\n", ""), 400},
		// obs-text (bytes >= 0x80) is allowed in values.
		{"obs-text", get(host+"Foo: caf\xc3\xa9\r\n", ""), 200},

		// HTTP/1.1 without Host, or with two.
		{"no Host", get("", ""), 400},
		{"two Hosts", get(host+host, ""), 400},
		// HTTP/1.0 needs none, but two are still wrong.
		{"1.0 no Host", "GET / HTTP/1.0\r\n\r\n", 200},
		{"1.0 two Hosts", "GET / HTTP/1.0\r\n" + host + host + "\r\n", 400},

		// A well-formed version we do not speak: 505.
		{"HTTP/2.0", "GET / HTTP/2.0\r\n" + host + "\r\n", 505},
		{"HTTP/3.0", "GET / HTTP/3.0\r\n" + host + "\r\n", 505},
		{"h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
		{"HTTP/0.0", "GET / HTTP/0.0\r\n\r\n", 505},
		// A higher 1.x minor is served as 1.1 (RFC 9110 §2.5), as the C specimens do.
		{"HTTP/1.2", "GET / HTTP/1.2\r\n" + host + "\r\n", 200},
		// Versions that are not HTTP/d.d, and HTTP/0.9's request line.
		{"lowercase version", "GET / http/1.1\r\n" + host + "\r\n", 400},
		{"two-digit minor", "GET / HTTP/1.10\r\n" + host + "\r\n", 400},
		{"HTTP/0.9", "GET /\r\n\r\n", 400},
		{"trailing space", "GET / HTTP/1.1 \r\n" + host + "\r\n", 400},
		{"double space", "GET  / HTTP/1.1\r\n" + host + "\r\n", 400},

		// Methods are case-sensitive: "get" is a method we do not know.
		{"get", "get / HTTP/1.1\r\n" + host + "\r\n", 501},
		{"unknown method", "BREW / HTTP/1.1\r\n" + host + "\r\n", 501},
		// A method that is not a token is malformed.
		{"method not token", "G(T / HTTP/1.1\r\n" + host + "\r\n", 400},

		// Content-Length: not digits, signed, empty, a list, two that disagree.
		{"length not digits", get(host+"Content-Length: abc\r\n", ""), 400},
		{"length negative", get(host+"Content-Length: -1\r\n", ""), 400},
		{"length plus", get(host+"Content-Length: +1\r\n", "x"), 400},
		{"length empty", get(host+"Content-Length: \r\n", ""), 400},
		{"length list", get(host+"Content-Length: 3, 3\r\n", "abc"), 400},
		{"lengths disagree", get(host+"Content-Length: 3\r\nContent-Length: 4\r\n", "abcd"), 400},
		// The same length twice is one length (RFC 9110 §8.6).
		{"lengths agree", get(host+"Content-Length: 3\r\nContent-Length: 3\r\n", "abc"), 200},
		// Both framings: how requests are smuggled.
		{"length and chunked", get(host+"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400},
		// Bodies up to 1 MiB are read; past it, 413, decided from the field.
		{"body 1 MiB", get(host+"Content-Length: 1048576\r\n", strings.Repeat("b", 1<<20)), 200},
		{"body over 1 MiB", get(host+"Content-Length: 1048577\r\n", ""), 413},
		{"body huge", get(host+"Content-Length: 99999999999999999999999\r\n", ""), 413},

		// chunked not the last coding: no length can be found (RFC 9112 §6.3);
		// an empty list has no last coding at all (the C fuzzer's find).
		{"gzip", get(host+"Transfer-Encoding: gzip\r\n", ""), 400},
		{"empty coding", get(host+"Transfer-Encoding: \r\nContent-Length: 3\r\n", "abc"), 400},
		// Transfer codings other than chunked are not implemented.
		{"gzip, chunked", get(host+"Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"), 501},
		// chunked twice is malformed; its name is case-insensitive.
		{"chunked twice", get(host+"Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"), 400},
		{"Chunked", get(host+"Transfer-Encoding: Chunked\r\n", "0\r\n\r\n"), 200},
		// Chunks past 1 MiB in all: 413 from the size's digits.
		{"chunks over 1 MiB", get(host+"Transfer-Encoding: chunked\r\n", "100001\r\n"), 413},
		// A size that is not hex, data longer than its size, a bare LF.
		{"chunk size not hex", get(host+"Transfer-Encoding: chunked\r\n", "xyz\r\n"), 400},
		{"chunk too long", get(host+"Transfer-Encoding: chunked\r\n", "3\r\nabcd\r\n0\r\n\r\n"), 400},
		{"chunk bare LF", get(host+"Transfer-Encoding: chunked\r\n", "3\nabc\r\n0\r\n\r\n"), 400},
		// Chunk extensions are bounded.
		{"chunk ext too long", get(host+"Transfer-Encoding: chunked\r\n", "3;"+strings.Repeat("e", 4097)+"\r\nabc\r\n0\r\n\r\n"), 400},
		// A bad trailer line.
		{"bad trailer", get(host+"Transfer-Encoding: chunked\r\n", "0\r\n bad\r\n\r\n"), 400},

		// Request-target forms (RFC 9112 §3.2): "*" is OPTIONS's only.
		{"asterisk GET", "GET * HTTP/1.1\r\n" + host + "\r\n", 400},
		{"asterisk OPTIONS", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", 200},
		{"absolute-form", "GET http://example.com/p?q HTTP/1.1\r\n" + host + "\r\n", 200},
		{"authority-form", "CONNECT example.com:443 HTTP/1.1\r\n" + host + "\r\n", 200},
		{"no form", "GET x HTTP/1.1\r\n" + host + "\r\n", 400},
		{"scheme without //", "GET http:/p HTTP/1.1\r\n" + host + "\r\n", 400},
		// A percent sign that escapes nothing: url.URL cannot hold it.
		{"bad escape", "GET /%zz HTTP/1.1\r\n" + host + "\r\n", 400},
		// A byte >= 0x80 in the target.
		{"target obs-text", "GET /caf\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n", 400},

		// Up to 8 empty lines before a request are skipped; 9 are not.
		{"8 empty lines", strings.Repeat("\r\n", 8) + get(host, ""), 200},
		{"9 empty lines", strings.Repeat("\r\n", 9) + get(host, ""), 400},
		// What is not HTTP at all: a TLS ClientHello, the hello experiment's bad request.
		{"TLS", "\x16\x03\x01\x00\xa5\x01\x00 not http at all\r\n\r\n", 400},
		{"HELLO THERE", "HELLO THERE\r\n\r\n", 400},
	}
	addr := start(t, echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			go io.WriteString(c, tt.raw) // the server may answer before it has read everything
			br := bufio.NewReader(c)
			resp, body := readResponse(t, br, "GET")
			if got, want := resp.StatusCode, tt.status; got != want {
				t.Fatalf("status %d, want %d", got, want)
			}
			if tt.status < 400 {
				return
			}
			// Refusals: the reason as the body, then close.
			if got, want := body, reason(tt.status)+"\n"; got != want {
				t.Errorf("body %q, want %q", got, want)
			}
			if !resp.Close {
				t.Errorf("no Connection: close")
			}
			expectEOF(t, br)
		})
	}
}

func TestRefusedHead(t *testing.T) {
	// A refused HEAD request gets no body, as the C specimens do.
	tests := []struct {
		name, raw string
		status    int
	}{
		// Known from the method onwards: a bad version...
		{"505", "HEAD / HTTP/2.0\r\n\r\n", 505},
		// ...an overlong line...
		{"414", line("HEAD", 8001), 414},
		// ...or a bad field.
		{"400", "HEAD / HTTP/1.1\r\nHost: x\r\nFoo\r\n\r\n", 400},
	}
	addr := start(t, echo)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			go io.WriteString(c, tt.raw)
			br := bufio.NewReader(c)
			resp, _ := readResponse(t, br, "HEAD")
			if got, want := resp.StatusCode, tt.status; got != want {
				t.Errorf("status %d, want %d", got, want)
			}
			expectEOF(t, br) // a body would show up here
		})
	}
}

func TestRequest(t *testing.T) {
	// What a handler gets is net/http's *http.Request, filled as net/http fills it.
	show := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, local := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		fmt.Fprintf(w, "%s %s path=%s query=%s host=%s len=%d te=%v close=%v body=%s header=%v local=%v remote=%v",
			r.Method, r.Proto, r.URL.Path, r.URL.RawQuery, r.Host, r.ContentLength, r.TransferEncoding,
			r.Close, body, r.Header, local, r.RemoteAddr != "")
	})
	tests := []struct {
		name, raw, want string
	}{
		// Origin-form with a query; Host leaves the header for Request.Host.
		{"origin-form", "GET /a%20b?x=1 HTTP/1.1\r\nHost: h:80\r\nA: 1\r\na: 2\r\n\r\n",
			"GET HTTP/1.1 path=/a b query=x=1 host=h:80 len=0 te=[] close=false body= header=map[A:[1 2]] local=true remote=true"},
		// Absolute-form: its authority wins over Host (RFC 9112 §3.2.2).
		{"absolute-form", "GET http://real/p HTTP/1.1\r\nHost: other\r\n\r\n",
			"GET HTTP/1.1 path=/p query= host=real len=0 te=[] close=false body= header=map[] local=true remote=true"},
		// HTTP/1.0 without keep-alive closes.
		{"1.0", "POST /p HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi",
			"POST HTTP/1.0 path=/p query= host= len=2 te=[] close=true body=hi header=map[Content-Length:[2]] local=true remote=true"},
		// Chunked: no declared length, the coding moves to TransferEncoding.
		{"chunked", "PUT /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
			"PUT HTTP/1.1 path=/p query= host=h len=-1 te=[chunked] close=true body=hi header=map[Connection:[close]] local=true remote=true"},
	}
	addr := start(t, show)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			send(t, c, tt.raw)
			if _, got := readResponse(t, bufio.NewReader(c), "GET"); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestExpectContinue(t *testing.T) {
	addr := start(t, echo)
	t.Run("continue", func(t *testing.T) {
		// The client waits for 100 before it sends the body.
		c := dial(t, addr)
		send(t, c, "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
		br := bufio.NewReader(c)
		if resp, _ := readResponse(t, br, "PUT"); resp.StatusCode != http.StatusContinue {
			t.Fatalf("status %d, want 100", resp.StatusCode)
		}
		send(t, c, "hi")
		if _, got := readResponse(t, br, "PUT"); got != "PUT / HTTP/1.1 host=x len=2 body=hi" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("too large", func(t *testing.T) {
		// A body over the limit is refused before the client sends it.
		c := dial(t, addr)
		send(t, c, "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n")
		if resp, _ := readResponse(t, bufio.NewReader(c), "PUT"); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
	})
}
