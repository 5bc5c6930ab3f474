package client

import (
	"bytes"
	"fmt"
	"net/textproto"
	"strconv"
	"strings"
)

// Reply is an HTTP/1.x response as a specimen sent it.
type Reply struct {
	Proto  string
	Status int
	Reason string
	Header textproto.MIMEHeader
	Body   []byte
	// CRLF says whether the status line and every header line ended in
	// CRLF, as did the blank line after them.
	CRLF bool
}

// ParseReply parses raw bytes read up to EOF. It is strict where the lessons
// need it (the status line, the header block's end) and keeps the body as is.
func ParseReply(raw []byte) (Reply, error) {
	var r Reply
	// The header block ends at the first blank line, whichever line ends
	// it uses; the body may hold the other kind.
	crlf, lf := bytes.Index(raw, []byte("\r\n\r\n")), bytes.Index(raw, []byte("\n\n"))
	var head, body []byte
	switch {
	case crlf >= 0 && (lf < 0 || crlf < lf):
		head, body = raw[:crlf], raw[crlf+4:]
		r.CRLF = bytes.Count(head, []byte("\n")) == bytes.Count(head, []byte("\r\n"))
	case lf >= 0:
		head, body = raw[:lf], raw[lf+2:]
	default:
		return r, fmt.Errorf("parse reply: no end of headers in %d bytes", len(raw))
	}
	lines := strings.Split(strings.ReplaceAll(string(head), "\r\n", "\n"), "\n")
	proto, rest, ok := strings.Cut(lines[0], " ")
	if !ok || !strings.HasPrefix(proto, "HTTP/1.") {
		return r, fmt.Errorf("parse reply: status line %q", lines[0])
	}
	code, reason, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || code[0] < '1' || code[0] > '9' {
		return r, fmt.Errorf("parse reply: status code %q", code)
	}
	r.Proto, r.Status, r.Reason, r.Body = proto, status, reason, body
	r.Header = textproto.MIMEHeader{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return r, fmt.Errorf("parse reply: header line %q", l)
		}
		r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return r, nil
}

// Complete says whether raw holds a whole reply whose end does not depend
// on EOF: its header block has ended, and its body has the length its
// Content-Length says, or its chunked body has its last chunk. A reply
// without either (the seed's) is never complete before the server closes.
func Complete(raw []byte) bool {
	end, sep := bytes.Index(raw, []byte("\r\n\r\n")), 4
	if lf := bytes.Index(raw, []byte("\n\n")); lf >= 0 && (end < 0 || lf < end) {
		end, sep = lf, 2
	}
	if end < 0 {
		return false
	}
	body := raw[end+sep:]
	for _, l := range strings.Split(strings.ReplaceAll(string(raw[:end]), "\r\n", "\n"), "\n")[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		// Canonical as ParseReply reads names: ASCII only, where ToLower
		// would take "Transfer-Encodİng" for "transfer-encoding".
		switch textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k)) {
		case "Content-Length":
			v = strings.TrimSpace(v)
			n, err := strconv.Atoi(v)
			// Digits only: Atoi also takes "-1" and "+2".
			return err == nil && v != "" && v[0] >= '0' && v[0] <= '9' && len(body) >= n
		case "Transfer-Encoding":
			if strings.EqualFold(strings.TrimSpace(v), "chunked") {
				return bytes.HasSuffix(body, []byte("0\r\n\r\n"))
			}
		}
	}
	return false
}
