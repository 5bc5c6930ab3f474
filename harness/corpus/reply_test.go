package corpus

import (
	"slices"
	"testing"
)

// TestReplies cuts a connection's bytes into replies as RFC 9112 §6.3
// frames them.
func TestReplies(t *testing.T) {
	const (
		ok     = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi\n"
		bad    = "HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\nConnection: close\r\n\r\nBad Request\n"
		nobody = "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n\r\n"
	)
	tests := []struct {
		name     string
		raw      string
		head     bool
		want     []int
		wantRest string
	}{
		// pipelined replies, each by its Content-Length
		{"two", ok + bad, false, []int{200, 400}, ""},
		// a chunked reply, with a trailer, then another
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhi\n\r\n0\r\nX: y\r\n\r\n" + ok, false, []int{200, 200}, ""},
		// an interim reply has no content
		{"100 then 200", "HTTP/1.1 100 Continue\r\n\r\n" + ok, false, []int{100, 200}, ""},
		// close-delimited: the rest is the body
		{"to EOF", "HTTP/1.1 200 OK\r\n\r\nHello, World!\n", false, []int{200}, ""},
		// the seed's reply: bare LF
		{"seed", "HTTP/1.1 200 OK\n\nHello, World!\n", false, []int{200}, ""},
		// HEAD: the Content-Length is GET's, no content follows...
		{"head", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", true, []int{200}, ""},
		// ...and content that does follow is not a reply
		{"head with content", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi\n", true, []int{200}, "hi\n"},
		// a reply cut short
		{"torn", ok + "HTTP/1.1 400 Bad", false, []int{200}, "HTTP/1.1 400 Bad"},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhi\n", false, nil, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhi\n"},
		// not HTTP at all
		{"garbage", "\x15\x03\x03\x00\x02\x02\x28\r\n\r\n", false, nil, "\x15\x03\x03\x00\x02\x02\x28\r\n\r\n"},
		// a 405 keeps its Allow
		{"allow", nobody, false, []int{405}, ""},
		{"nothing", "", false, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reps, rest := Replies([]byte(tt.raw), tt.head)
			var got []int
			for _, r := range reps {
				got = append(got, r.Status)
			}
			if !slices.Equal(got, tt.want) || string(rest) != tt.wantRest {
				t.Errorf("got %v, rest %q; want %v, rest %q", got, rest, tt.want, tt.wantRest)
			}
		})
	}
	if reps, _ := Replies([]byte(nobody), false); reps[0].Allow != "GET, HEAD" {
		t.Errorf("got Allow %q, want %q", reps[0].Allow, "GET, HEAD")
	}
}

// TestStatuses leaves interim replies out.
func TestStatuses(t *testing.T) {
	got := Statuses([]Reply{{Status: 100}, {Status: 200}, {Status: 400}})
	if want := []int{200, 400}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
