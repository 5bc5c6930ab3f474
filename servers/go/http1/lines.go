package http1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
)

// Lines and the bytes in them: how a request is cut into lines, and which
// bytes each part of a line may hold.

// errTooLong is a line that does not end within its budget.
var errTooLong = errors.New("line too long")

// skipEmptyLines consumes the empty lines RFC 9112 §2.2 lets a server
// ignore before a request line (a client's stray CRLF after a body), at most
// maxEmptyLines of them. It returns once the next byte is a request's first:
// the request has then started, which is what makes a timeout a 408.
func skipEmptyLines(br *bufio.Reader) error {
	for n := 0; ; n++ {
		b, err := br.Peek(1)
		if err != nil {
			return err
		}
		if b[0] != '\r' && b[0] != '\n' {
			return nil
		}
		if n == maxEmptyLines {
			return refuse(http.StatusBadRequest)
		}
		if b[0] == '\r' {
			br.Discard(1)
			if c, err := br.ReadByte(); err != nil {
				return err
			} else if c != '\n' {
				return refuse(http.StatusBadRequest) // a bare CR
			}
			continue
		}
		br.Discard(1)
	}
}

// readLine returns the next line, its LF included, if it ends within max
// bytes. Otherwise it returns errTooLong and at least the first max bytes,
// so that the caller can still report a bad byte among them first, as a
// byte-at-a-time parser would. EOF in a line is io.ErrUnexpectedEOF. The
// line may alias br's buffer: it is valid until br is read again.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var long []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(long)+len(frag) > max {
			return append(long, frag...), errTooLong
		}
		switch err {
		case nil:
			if long == nil {
				return frag, nil
			}
			return append(long, frag...), nil
		case bufio.ErrBufferFull:
			long = append(long, frag...)
		case io.EOF:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// trimEOL strips a line's LF and the CR before it. A bare LF ends a line
// too (RFC 9112 §2.2 allows it; the seed's client sends it); a CR anywhere
// else stays, to be refused as a control character.
func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

// Character classes (RFC 9110 §5.6.2, §5.5; RFC 3986 for the scheme), as
// servers/c/http.c has them.
const (
	tchar      = 1 << iota // token
	vchar                  // visible ASCII
	fieldChar              // field-value: VCHAR, SP, HTAB, obs-text
	hexDigit               // chunk sizes
	schemeChar             // ALPHA DIGIT + - .
)

var class = func() (t [256]uint8) {
	for c := 0x21; c <= 0x7e; c++ {
		t[c] = vchar | fieldChar
		if isLetter(byte(c)) || isDigit(byte(c)) || strings.IndexByte("!#$%&'*+-.^_`|~", byte(c)) >= 0 {
			t[c] |= tchar
		}
		if isLetter(byte(c)) || isDigit(byte(c)) || strings.IndexByte("+-.", byte(c)) >= 0 {
			t[c] |= schemeChar
		}
		if isDigit(byte(c)) || strings.IndexByte("abcdefABCDEF", byte(c)) >= 0 {
			t[c] |= hexDigit
		}
	}
	t[' '], t['\t'] = fieldChar, fieldChar
	for c := 0x80; c <= 0xff; c++ {
		t[c] = fieldChar // obs-text: in field values only
	}
	return t
}()

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if class[s[i]]&tchar == 0 {
			return false
		}
	}
	return s != ""
}
