package client_test

import (
	"encoding/base64"
	"net/textproto"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/client"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    client.Reply // compared when wantErr is ""
		wantErr string       // a phrase the error must hold
	}{
		{
			// a well-formed reply, as a Go or C specimen sends it
			name: "crlf",
			raw:  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!",
			want: client.Reply{
				Proto: "HTTP/1.1", Status: 200, Reason: "OK", CRLF: true, Body: []byte("Hello, World!"),
				Header: textproto.MIMEHeader{"Content-Type": {"text/plain"}, "Content-Length": {"13"}},
			},
		},
		{
			// the seed's Python reply: bare LF line ends, no headers at all
			name: "bare lf",
			raw:  "HTTP/1.1 200 OK\n\nHello, World!\n",
			want: client.Reply{
				Proto: "HTTP/1.1", Status: 200, Reason: "OK", CRLF: false, Body: []byte("Hello, World!\n"),
				Header: textproto.MIMEHeader{},
			},
		},
		{
			// one header line ends in a bare LF though the block ends in CRLF CRLF
			name: "mixed line ends",
			raw:  "HTTP/1.1 200 OK\r\nServer: x\nDate: y\r\n\r\nbody",
			want: client.Reply{
				Proto: "HTTP/1.1", Status: 200, Reason: "OK", CRLF: false, Body: []byte("body"),
				Header: textproto.MIMEHeader{"Server": {"x"}, "Date": {"y"}},
			},
		},
		{
			// bare LF with a header: CRLF stays false
			name: "bare lf with header",
			raw:  "HTTP/1.0 404 Not Found\nServer: seed\n\n",
			want: client.Reply{
				Proto: "HTTP/1.0", Status: 404, Reason: "Not Found", CRLF: false, Body: []byte{},
				Header: textproto.MIMEHeader{"Server": {"seed"}},
			},
		},
		{
			// the body keeps its own line ends, blank lines and bytes untouched
			name: "body kept as is",
			raw:  "HTTP/1.1 200 OK\r\n\r\nline 1\r\n\r\nline 2\n\n\x00\xff  ",
			want: client.Reply{
				Proto: "HTTP/1.1", Status: 200, Reason: "OK", CRLF: true, Body: []byte("line 1\r\n\r\nline 2\n\n\x00\xff  "),
				Header: textproto.MIMEHeader{},
			},
		},
		{
			// repeated headers keep every value in order; names are canonicalised
			name: "repeated headers",
			raw:  "HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nX-Seen:  padded  \r\n\r\n",
			want: client.Reply{
				Proto: "HTTP/1.1", Status: 200, Reason: "OK", CRLF: true, Body: []byte{},
				Header: textproto.MIMEHeader{"Set-Cookie": {"a=1", "b=2"}, "X-Seen": {"padded"}},
			},
		},
		{
			// a status line without a reason phrase
			name: "no reason",
			raw:  "HTTP/1.1 204\r\n\r\n",
			want: client.Reply{
				Proto: "HTTP/1.1", Status: 204, CRLF: true, Body: []byte{}, Header: textproto.MIMEHeader{},
			},
		},
		{
			// a reply cut off before the blank line (EOF mid-headers)
			name:    "no header end",
			raw:     "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n",
			wantErr: "no end of headers",
		},
		{
			// nothing at all came
			name:    "empty",
			raw:     "",
			wantErr: "no end of headers",
		},
		{
			// not HTTP: the status line must start with HTTP/1.
			name:    "bad status line",
			raw:     "Hello, World!\n\n",
			wantErr: "status line",
		},
		{
			// HTTP/2 is not what a specimen speaks
			name:    "bad proto",
			raw:     "HTTP/2 200 OK\r\n\r\n",
			wantErr: "status line",
		},
		{
			// a status line with no space after the protocol
			name:    "proto only",
			raw:     "HTTP/1.1\r\n\r\n",
			wantErr: "status line",
		},
		{
			// a status code that is not a number
			name:    "non-numeric code",
			raw:     "HTTP/1.1 OK 200\r\n\r\n",
			wantErr: "status code",
		},
		{
			// a number but not a three-digit status code
			name:    "code out of range",
			raw:     "HTTP/1.1 42 Answer\r\n\r\n",
			wantErr: "status code",
		},
		{
			// a header line without a colon
			name:    "header without colon",
			raw:     "HTTP/1.1 200 OK\r\nContent-Length 13\r\n\r\nHello, World!",
			wantErr: "header line",
		},
		{
			// strconv.Atoi takes a sign, so "+200" passes as 200
			name:    "signed code",
			raw:     "HTTP/1.1 +200 OK\r\n\r\n",
			wantErr: "status code",
		},
		{
			// a bare-LF reply whose body holds CRLF CRLF: the headers end at
			// the first blank line, not at the body's CRLF CRLF
			name: "bare lf, crlf in body",
			raw:  "HTTP/1.1 200 OK\nServer: seed\n\nbody\r\n\r\nmore",
			want: client.Reply{
				Proto: "HTTP/1.1", Status: 200, Reason: "OK", CRLF: false, Body: []byte("body\r\n\r\nmore"),
				Header: textproto.MIMEHeader{"Server": {"seed"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := client.ParseReply([]byte(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseReply(%q) error %v, want one about %q", tt.raw, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReply(%q) error %v, want none", tt.raw, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseReply(%q)\n got %+v\nwant %+v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want bool
	}{
		// a body as long as Content-Length says
		{"length met", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true},
		// one byte short
		{"length short", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell", false},
		// the header name in another case, bare LF line ends
		{"case and LF", "HTTP/1.1 404 Not Found\ncontent-length: 0\n\n", true},
		// the headers have not ended
		{"headers cut", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", false},
		// the seed's reply: no length, so only EOF ends it
		{"seed", "HTTP/1.1 200 OK\n\nHello, World!\n", false},
		// a chunked body with its last chunk
		{"chunked done", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", true},
		// a chunked body still coming
		{"chunked open", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", false},
		// a length that is not a number
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false},
		// signs are no digits: a negative length is no length
		{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false},
		{"plus length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nab", false},
		// a name that only Unicode case folding makes Transfer-Encoding is another name
		{"unicode name", "HTTP/1.1 200 OK\r\nTransfer-Encod\u0130ng: chunked\r\n\r\n0\r\n\r\n", false},
		// nothing yet
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := client.Complete([]byte(tt.raw)); got != tt.want {
			t.Errorf("%s: Complete(%q) = %v, want %v", tt.name, tt.raw, got, tt.want)
		}
	}
}

// TestArgsCarryEveryByte: a raw request goes to the agent through an exec's
// argv, where a NUL byte would end the argument; base64 carries it whole.
func TestArgsCarryEveryByte(t *testing.T) {
	raw := []byte("\x16\x03\x01\x00\xa5 not http\r\n\r\n")
	o := client.NewOptions(client.WithRequest(raw))
	args := o.Args()
	for _, a := range args {
		if strings.ContainsRune(a, 0) {
			t.Errorf("argument %q holds a NUL byte", a)
		}
	}
	i := slices.Index(args, "--"+client.FlagRaw64)
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("Args() = %q, want --%s and the request", args, client.FlagRaw64)
	}
	if got, err := base64.StdEncoding.DecodeString(args[i+1]); err != nil || string(got) != string(raw) {
		t.Errorf("the request came back as %q (%v), want %q", got, err, raw)
	}
}
