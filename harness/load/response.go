package load

import (
	"bytes"
	"errors"
	"fmt"
)

// maxLine bounds a header block and a chunk-size or trailer line: they
// must fit a connection's read buffer, which is bigger.
const maxLine = 16 << 10

// errNeedMore is no error: the bytes so far end inside a line.
var errNeedMore = errors.New("need more bytes")

// parser reads HTTP/1.x responses from a byte stream, one at a time, and
// keeps nothing of them but the status and whether the server will close:
// bodies are counted past, never copied. It is cheap on purpose: a load
// generator parses a response per request.
type parser struct {
	state     parseState
	remaining int64 // body or chunk bytes still to skip
	status    int   // the last response head's status
	close     bool  // the server closes after this response
}

type parseState uint8

const (
	inHead      parseState = iota // status line and headers, up to the blank line
	inBody                        // Content-Length bytes still to skip
	inChunkSize                   // a chunk-size line
	inChunkData                   // chunk bytes still to skip
	inChunkEnd                    // the line end after a chunk's data
	inTrailer                     // trailer lines, up to the blank line
	untilEOF                      // neither length nor chunks: the body ends at EOF
)

// parse consumes what it can of b, the bytes not consumed before, and stops
// after one complete response (done; its status and close are in p) or when
// b ends. Bytes not consumed start with a line still incomplete: the caller
// keeps them and calls again with more.
func (p *parser) parse(b []byte) (n int, done bool, err error) {
	for n < len(b) || p.state == inBody && p.remaining == 0 {
		switch p.state {
		case inHead:
			m, err := p.head(b[n:])
			if err == errNeedMore {
				return n, false, tooLong(len(b)-n, "header block")
			}
			if err != nil {
				return n, false, err
			}
			n += m
			if p.status < 200 {
				continue // 1xx is interim: the real response follows
			}
			if p.state == inHead { // no body: 204, 304
				return n, true, nil
			}
		case inBody:
			k := skip(&p.remaining, len(b)-n)
			n += k
			if p.remaining == 0 {
				p.state = inHead
				return n, true, nil
			}
		case inChunkSize:
			line, m, err := nextLine(b[n:])
			if err != nil {
				return n, false, tooLong(len(b)-n, "chunk-size line")
			}
			size, err := chunkSize(line)
			if err != nil {
				return n, false, err
			}
			n += m
			p.remaining = size
			p.state = inChunkData
			if size == 0 {
				p.state = inTrailer
			}
		case inChunkData:
			n += skip(&p.remaining, len(b)-n)
			if p.remaining == 0 {
				p.state = inChunkEnd
			}
		case inChunkEnd:
			line, m, err := nextLine(b[n:])
			if err != nil {
				return n, false, tooLong(len(b)-n, "chunk end")
			}
			if len(line) != 0 {
				return n, false, fmt.Errorf("parse chunk end: %q is not a line end", line)
			}
			n += m
			p.state = inChunkSize
		case inTrailer:
			line, m, err := nextLine(b[n:])
			if err != nil {
				return n, false, tooLong(len(b)-n, "trailer")
			}
			n += m
			if len(line) == 0 {
				p.state = inHead
				return n, true, nil
			}
		case untilEOF:
			return len(b), false, nil
		}
	}
	return n, false, nil
}

// eof tells the parser the server closed; it says whether that completed a
// response, as it does one whose body runs until EOF.
func (p *parser) eof() bool {
	done := p.state == untilEOF
	p.state = inHead
	return done
}

// reset forgets a response in progress: the connection it came on is gone.
func (p *parser) reset() { *p = parser{} }

// head parses a status line and headers, once the blank line after them is
// in b, and sets the state for the body. It returns the bytes it took.
func (p *parser) head(b []byte) (int, error) {
	line, n, err := nextLine(b)
	if err != nil {
		return 0, err
	}
	// "HTTP/1.x SSS" then a space or the line's end.
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || !digit(line[7]) || line[8] != ' ' ||
		!digit(line[9]) || !digit(line[10]) || !digit(line[11]) || line[9] == '0' ||
		(len(line) > 12 && line[12] != ' ') {
		return 0, fmt.Errorf("parse status line %q", clip(line))
	}
	http10 := line[7] == '0'
	status := int(line[9]-'0')*100 + int(line[10]-'0')*10 + int(line[11]-'0')
	var (
		length            int64 = -1
		chunked, close    bool
		keepAlive         bool
		name, value, rest []byte
	)
	for {
		line, m, err := nextLine(b[n:])
		if err != nil {
			return 0, err
		}
		n += m
		if len(line) == 0 {
			break
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			return 0, fmt.Errorf("parse header line %q", clip(line))
		}
		name, value = line[:i], trim(line[i+1:])
		switch {
		case foldEqual(name, "content-length"):
			if length, err = decimal(value); err != nil {
				return 0, err
			}
		case foldEqual(name, "transfer-encoding"):
			// chunked must be the last coding; anything else runs until EOF.
			rest = value
			if i := bytes.LastIndexByte(rest, ','); i >= 0 {
				rest = trim(rest[i+1:])
			}
			chunked = foldEqual(rest, "chunked")
		case foldEqual(name, "connection"):
			for rest = value; len(rest) > 0; {
				var tok []byte
				tok, rest, _ = bytes.Cut(rest, []byte(","))
				tok = trim(tok)
				close = close || foldEqual(tok, "close")
				keepAlive = keepAlive || foldEqual(tok, "keep-alive")
			}
		}
	}
	p.status = status
	p.close = close || (http10 && !keepAlive)
	switch {
	case status < 200 || status == 204 || status == 304:
		p.state = inHead // no body, by definition
	case chunked:
		p.state = inChunkSize
	case length >= 0:
		p.state, p.remaining = inBody, length
	default:
		p.state, p.close = untilEOF, true
	}
	return n, nil
}

// nextLine returns b's first line without its LF or CRLF, and the bytes it
// took with its end; errNeedMore when b holds no line end yet.
func nextLine(b []byte) (line []byte, n int, err error) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, 0, errNeedMore
	}
	line = b[:i]
	if i > 0 && line[i-1] == '\r' {
		line = line[:i-1]
	}
	return line, i + 1, nil
}

// tooLong turns errNeedMore into an error when the incomplete part is
// already longer than any line may be; otherwise the caller reads more.
func tooLong(have int, what string) error {
	if have > maxLine {
		return fmt.Errorf("parse %s: longer than %d bytes", what, maxLine)
	}
	return nil
}

// skip takes up to have bytes off *remaining and returns how many.
func skip(remaining *int64, have int) int {
	k := int64(have)
	if k > *remaining {
		k = *remaining
	}
	*remaining -= k
	return int(k)
}

// chunkSize parses a chunk-size line: hex digits, then maybe ";extensions".
func chunkSize(line []byte) (int64, error) {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = trim(line)
	if len(line) == 0 || len(line) > 15 { // 15 hex digits stay below 2^63
		return 0, fmt.Errorf("parse chunk size %q", clip(line))
	}
	var n int64
	for _, c := range line {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, fmt.Errorf("parse chunk size %q", clip(line))
		}
		n = n<<4 | int64(d)
	}
	return n, nil
}

// decimal parses a Content-Length.
func decimal(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, fmt.Errorf("parse content-length %q", clip(b))
	}
	var n int64
	for _, c := range b {
		if !digit(c) {
			return 0, fmt.Errorf("parse content-length %q", clip(b))
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

func digit(c byte) bool { return '0' <= c && c <= '9' }

// trim drops spaces and tabs at both ends.
func trim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// foldEqual compares b with lower, a lower-case ASCII word, ignoring b's case.
func foldEqual(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// clip keeps an error message short when a server sends garbage.
func clip(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + "..."
	}
	return string(b)
}
