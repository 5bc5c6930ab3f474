package corpus

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/serverlab/serverlab/harness/client"
)

// Reply is one response as the server framed it.
type Reply struct {
	Status int    `json:"status"`
	Allow  string `json:"allow,omitempty"`
	// Content is how many bytes of content followed the header section.
	Content int `json:"content"`
}

// Replies cuts raw, everything the server sent on a connection before it
// ended, into responses, framed as RFC 9112 §6.3 says: no content for HEAD
// (head) or a 1xx, 204 or 304; else chunked, or Content-Length, or up to the
// close. It returns what it could not take as a response: a torn reply,
// or bytes that are not HTTP at all.
func Replies(raw []byte, head bool) ([]Reply, []byte) {
	var out []Reply
	for len(raw) > 0 {
		end, sep := headerEnd(raw)
		if end < 0 {
			return out, raw
		}
		rep, err := client.ParseReply(raw[:end+sep])
		if err != nil {
			return out, raw
		}
		n, ok := contentLength(rep, raw[end+sep:], head)
		if !ok {
			return out, raw
		}
		out = append(out, Reply{Status: rep.Status, Allow: rep.Header.Get("Allow"), Content: n})
		raw = raw[end+sep+n:]
	}
	return out, nil
}

// headerEnd finds the empty line that ends a header section, whichever line
// end it uses (client.ParseReply takes both), and the length of that end.
func headerEnd(raw []byte) (int, int) {
	end, sep := bytes.Index(raw, []byte("\r\n\r\n")), 4
	if lf := bytes.Index(raw, []byte("\n\n")); lf >= 0 && (end < 0 || lf < end) {
		end, sep = lf, 2
	}
	return end, sep
}

// contentLength is how many bytes of body, which holds at least the
// reply's content, belong to the reply; false when body is too short.
func contentLength(rep client.Reply, body []byte, head bool) (int, bool) {
	if head || rep.Status < 200 || rep.Status == 204 || rep.Status == 304 {
		return 0, true
	}
	if strings.EqualFold(strings.TrimSpace(rep.Header.Get("Transfer-Encoding")), "chunked") {
		return chunkedLength(body)
	}
	if v := strings.TrimSpace(rep.Header.Get("Content-Length")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || v[0] == '+' || n > len(body) {
			return 0, false
		}
		return n, true
	}
	return len(body), true // close-delimited: the rest, which ended at EOF
}

// chunkedLength is the length of a chunked body and its trailer section at
// the start of body.
func chunkedLength(body []byte) (int, bool) {
	off := 0
	for {
		eol := bytes.Index(body[off:], []byte("\r\n"))
		if eol < 0 {
			return 0, false
		}
		size := string(body[off : off+eol])
		if i := strings.IndexByte(size, ';'); i >= 0 {
			size = size[:i]
		}
		n, err := strconv.ParseUint(strings.TrimSpace(size), 16, 31)
		if err != nil {
			return 0, false
		}
		off += eol + 2
		if n == 0 {
			// Trailer lines, then the empty line.
			for {
				eol := bytes.Index(body[off:], []byte("\r\n"))
				if eol < 0 {
					return 0, false
				}
				off += eol + 2
				if eol == 0 {
					return off, true
				}
			}
		}
		if off+int(n)+2 > len(body) || string(body[off+int(n):off+int(n)+2]) != "\r\n" {
			return 0, false
		}
		off += int(n) + 2
	}
}

// Statuses lists the replies' status codes, interim ones (1xx) left out.
func Statuses(replies []Reply) []int {
	var s []int
	for _, r := range replies {
		if r.Status >= 200 {
			s = append(s, r.Status)
		}
	}
	return s
}

// quote shows the start of b for a message.
func quote(b []byte) string {
	const max = 80
	if len(b) > max {
		return fmt.Sprintf("%q... (%d bytes)", b[:max], len(b))
	}
	return fmt.Sprintf("%q", b)
}
