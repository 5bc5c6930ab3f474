package load

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// parsed is one response as the parser saw it.
type parsed struct {
	status int
	close  bool
}

// feed runs p over stream as a connection does, reading it in pieces of
// split bytes into a small buffer, and returns the responses it completed,
// whether the stream's EOF completed one more, and the first error.
func feed(stream string, split int) ([]parsed, error) {
	var (
		p    parser
		got  []parsed
		buf  = make([]byte, 0, 2*maxLine+len(stream))
		r    int
		next int
	)
	for {
		n, done, err := p.parse(buf[r:])
		r += n
		if err != nil {
			return got, err
		}
		if done {
			got = append(got, parsed{p.status, p.close})
			continue
		}
		if next == len(stream) { // EOF
			cut := p.state != inHead || r < len(buf)
			if p.eof() {
				return append(got, parsed{p.status, p.close}), nil
			}
			if cut {
				return got, fmt.Errorf("EOF inside a response")
			}
			return got, nil
		}
		end := min(next+split, len(stream))
		buf = append(buf[:copy(buf, buf[r:])], stream[next:end]...)
		r, next = 0, end
	}
}

func TestParser(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nHello, World!\n"
	tests := []struct {
		name    string
		stream  string
		want    []parsed
		wantErr bool
	}{
		// a Content-Length body
		{"length", ok, []parsed{{200, false}}, false},
		// three responses in one stream, as pipelining brings them
		{"pipelined", ok + ok + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n" + ok,
			[]parsed{{200, false}, {200, false}, {404, false}, {200, false}}, false},
		// the lab's specimens: bare header names in any case, Connection: close
		{"specimen", "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\ncontent-length: 14\r\n" +
			"Date: Thu, 01 Jan 2026 00:00:00 GMT\r\nServer: serverlab-forking\r\nConnection: close\r\n\r\nHello, World!\n",
			[]parsed{{200, true}}, false},
		// a Connection header with several tokens
		{"close token", "HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n", []parsed{{200, true}}, false},
		// chunked, with an extension and a trailer, then another response
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"7;ext=1\r\nHello, \r\nb\r\n0123456789\n\r\n0\r\nX-Trailer: t\r\n\r\n" + ok,
			[]parsed{{200, false}, {200, false}}, false},
		// chunked wins over Content-Length
		{"chunked and length", "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
			"3\r\nabc\r\n0\r\n\r\n", []parsed{{200, false}}, false},
		// neither length nor chunks: the body ends at EOF, which completes it
		{"until EOF", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nsome body\nand more", []parsed{{200, true}}, false},
		// HTTP/1.0 closes unless it says keep-alive
		{"1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", []parsed{{200, true}}, false},
		{"1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi", []parsed{{200, false}}, false},
		// bare LF line ends
		{"LF", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", []parsed{{200, false}}, false},
		// 204 and 304 have no body whatever their headers say
		{"204", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n" + ok, []parsed{{204, false}, {200, false}}, false},
		// a 1xx is interim: only the response after it counts
		{"100 continue", "HTTP/1.1 100 Continue\r\n\r\n" + ok, []parsed{{200, false}}, false},
		// a status line without a reason
		{"no reason", "HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", []parsed{{500, false}}, false},
		// EOF in the middle of a body completes nothing
		{"cut body", "HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nHello", nil, true},
		// EOF in the middle of the headers
		{"cut head", "HTTP/1.1 200 OK\r\nContent-Len", nil, true},
		// not HTTP
		{"garbage", "SSH-2.0-OpenSSH_9.2\r\n\r\n", nil, true},
		{"HTTP/2", "HTTP/2 200\r\n\r\n", nil, true},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", nil, true},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", nil, true},
		{"bad header", "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", nil, true},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", nil, true},
		{"bad chunk end", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", nil, true},
		// a header block longer than any buffer is refused, not awaited
		{"endless head", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", maxLine+10), nil, true},
	}
	for _, tt := range tests {
		// Every split size: a response may arrive a byte at a time.
		for _, split := range []int{1, 2, 3, 7, 64, len(tt.stream)} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, split), func(t *testing.T) {
				got, err := feed(tt.stream, split)
				if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
				}
			})
		}
	}
}

// TestParserBodyBiggerThanBuffer checks that a body is skipped, not kept:
// a 1 MB body goes through a 4 KB window.
func TestParserBodyBiggerThanBuffer(t *testing.T) {
	var p parser
	head := "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n"
	n, done, err := p.parse([]byte(head))
	if n != len(head) || done || err != nil {
		t.Fatalf("head: got %d, %v, %v; want %d, false, nil", n, done, err, len(head))
	}
	window := make([]byte, 4096)
	total := 0
	for !done {
		n, done, err = p.parse(window)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if got, want := total, 1<<20; got != want {
		t.Errorf("got %d body bytes, want %d", got, want)
	}
}

func TestChunkSize(t *testing.T) {
	tests := []struct {
		line string
		want int64 // -1: an error
	}{
		{"0", 0},                       // the last chunk
		{"1a", 26},                     // lower-case hex
		{"FF ; name=value", 255},       // upper case, an extension
		{"", -1},                       // nothing
		{"g", -1},                      // not hex
		{"1000000000000000", -1},       // 16 digits: could overflow
		{"fffffffffffffff", 1<<60 - 1}, // 15 digits: the most allowed
	}
	for _, tt := range tests {
		got, err := chunkSize([]byte(tt.line))
		if (err != nil) != (tt.want < 0) || (err == nil && got != tt.want) {
			t.Errorf("chunkSize(%q): got %d, %v; want %d", tt.line, got, err, tt.want)
		}
	}
}
