package http1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"testing"
)

// parsed is one request as the parser reads it, before any handler.
type parsed struct {
	h    *head
	body []byte
}

// parseAll reads requests from data as a connection does, one after the
// other, until the input ends or a request is refused, through a buffer
// small enough that lines straddle its fills.
func parseAll(data []byte) ([]parsed, error) {
	br := bufio.NewReaderSize(bytes.NewReader(data), 16)
	var reqs []parsed
	for {
		if err := skipEmptyLines(br); err != nil {
			return reqs, err
		}
		h, err := readHead(br)
		if err != nil {
			return reqs, err
		}
		body, err := readBody(br, h)
		if err != nil {
			return reqs, err
		}
		reqs = append(reqs, parsed{h, body})
	}
}

// FuzzParseRequest feeds the parser arbitrary bytes. It must not panic,
// must end in EOF or a refusal with one of the wire's statuses, and every
// request it accepts must be within the limits, well-formed, and read back
// the same once written out again. Run it with a bounded minimization:
//
//	go test -run '^$' -fuzz FuzzParseRequest -fuzztime 30s -fuzzminimizetime 2s ./servers/go/http1
//
// Minimizing the large inputs it finds (bodies near 1 MiB) otherwise takes
// the default minute, with no executions counted meanwhile.
func FuzzParseRequest(f *testing.F) {
	// More seeds are in testdata/fuzz/FuzzParseRequest.
	f.Add([]byte("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		reqs, err := parseAll(data)
		var r *refusal
		switch {
		case errors.As(err, &r):
			if !slices.Contains([]int{400, 413, 414, 431, 501, 505}, r.status) {
				t.Fatalf("refused with %d", r.status)
			}
		case err == io.EOF, err == io.ErrUnexpectedEOF:
		default:
			t.Fatalf("error %v", err)
		}
		for _, p := range reqs {
			check(t, p)
			again, err := parseAll(write(p))
			if err != io.EOF || len(again) != 1 {
				if fits(p) {
					t.Fatalf("%q, written out as %q, reads back as %d requests, %v", data, write(p), len(again), err)
				}
				continue
			}
			if got, want := describe(again[0]), describe(p); got != want {
				t.Fatalf("read back as\n%s\nwant\n%s", got, want)
			}
		}
	})
}

// check fails the test if an accepted request breaks a rule the parser enforces.
func check(t *testing.T, p parsed) {
	h := p.h
	switch {
	case !knownMethods[h.method]:
		t.Fatalf("method %q", h.method)
	case h.minor != 0 && h.minor != 1:
		t.Fatalf("minor %d", h.minor)
	case len(h.target) > MaxRequestLine || h.url == nil:
		t.Fatalf("target %q, URL %v", h.target, h.url)
	case h.fieldBytes > MaxHeaderBytes || len(p.body) > MaxBodyBytes:
		t.Fatalf("%d field bytes, %d body bytes", h.fieldBytes, len(p.body))
	case !h.chunked && int64(len(p.body)) != h.length:
		t.Fatalf("body of %d bytes, Content-Length %d", len(p.body), h.length)
	case h.header["Host"] != nil || (h.chunked && h.header["Transfer-Encoding"] != nil):
		t.Fatalf("Host or Transfer-Encoding left in the header: %v", h.header)
	}
	n := 0
	for k, vs := range h.header {
		if !isToken(k) {
			t.Fatalf("field name %q", k)
		}
		for _, v := range vs {
			n++
			for i := 0; i < len(v); i++ {
				if class[v[i]]&fieldChar == 0 {
					t.Fatalf("field %s: byte %q in %q", k, v[i], v)
				}
			}
		}
	}
	if n >= MaxHeaderFields+1 {
		t.Fatalf("%d fields", n)
	}
}

// write writes p out again as a client would: CRLF lines, fields in
// order, the body by Content-Length.
func write(p parsed) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.%d\r\nHost: %s\r\n", p.h.method, p.h.target, p.h.minor, p.h.host)
	for _, k := range slices.Sorted(maps.Keys(p.h.header)) {
		if k == "Content-Length" {
			continue
		}
		for _, v := range p.h.header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(p.body))
	b.Write(p.body)
	return b.Bytes()
}

// fits says whether p written out stays within the limits: CRLF for a
// bare LF, Host and Content-Length added may take it past them.
func fits(p parsed) bool {
	n := 0
	for _, vs := range p.h.header {
		n += len(vs)
	}
	head := bytes.Index(write(p), []byte("\r\n\r\n"))
	line := bytes.Index(write(p), []byte("\r\n"))
	return n+2 <= MaxHeaderFields && head+4-line-2 <= MaxHeaderBytes
}

// describe is what a request means, its framing aside.
func describe(p parsed) string {
	h := p.h.header.Clone()
	delete(h, "Content-Length")
	return fmt.Sprintf("%s %s HTTP/1.%d host=%q url=%s header=%v body=%q",
		p.h.method, p.h.target, p.h.minor, p.h.host, p.h.url, http.Header(h), p.body)
}
