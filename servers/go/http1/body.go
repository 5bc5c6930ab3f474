package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
)

const (
	maxChunkExt  = 4096              // 400: one chunk's extensions, after the ';'
	maxChunkLine = maxChunkExt + 256 // 400: size, whitespace and extensions
)

// readBody reads the whole body h announces, at most MaxBodyBytes (the
// head has refused a longer Content-Length; chunks are counted as they
// come). The server reads it before the handler runs, so that every status
// of the wire (400, 408, 413) is the server's, and a handler that ignores
// the body cannot leave it on the connection to be read as a request.
func readBody(br *bufio.Reader, h *head) ([]byte, error) {
	switch {
	case h.chunked:
		return readChunked(br, h)
	case h.length > 0:
		body := make([]byte, h.length)
		_, err := io.ReadFull(br, body)
		return body, unexpected(err)
	}
	return nil, nil
}

// readChunked reads a chunked body (RFC 9112 §7.1) and its trailer section,
// which it checks and drops, as the C specimens do. Its framing takes CRLF
// only, as the RFC writes it: leniency here is what request smuggling feeds on.
func readChunked(br *bufio.Reader, h *head) ([]byte, error) {
	var body []byte
	for {
		line, err := readCRLFLine(br, maxChunkLine)
		if err == errTooLong {
			if _, err := chunkSize(line[:maxChunkLine], len(body)); err != nil {
				return nil, err
			}
			return nil, refuse(http.StatusBadRequest)
		}
		if err != nil {
			return nil, err
		}
		size, err := chunkSize(line, len(body))
		if err != nil {
			return nil, err
		}
		if size == 0 {
			return body, readTrailers(br, h)
		}
		n := len(body)
		body = append(body, make([]byte, size)...)
		if _, err := io.ReadFull(br, body[n:]); err != nil {
			return nil, unexpected(err)
		}
		for _, want := range []byte("\r\n") {
			if c, err := br.ReadByte(); err != nil {
				return nil, unexpected(err)
			} else if c != want {
				return nil, refuse(http.StatusBadRequest) // data longer than its size
			}
		}
	}
}

// readCRLFLine is readLine for chunked framing: the line must end in CRLF,
// which it strips, and hold no other CR or LF. On errTooLong it returns
// what readLine does.
func readCRLFLine(br *bufio.Reader, max int) ([]byte, error) {
	line, err := readLine(br, max)
	if err != nil {
		return line, err
	}
	if !bytes.HasSuffix(line, []byte("\r\n")) {
		return nil, refuse(http.StatusBadRequest) // a bare LF
	}
	return line[:len(line)-2], nil
}

// chunkSize reads a chunk-size line (hex digits, whitespace, extensions)
// as far as it goes, given the body's size so far: a size that takes the
// body past MaxBodyBytes is a 413 from the digit that does.
func chunkSize(line []byte, total int) (int, error) {
	n, i := 0, 0
	for ; i < len(line) && class[line[i]]&hexDigit != 0; i++ {
		n = n*16 + hexValue(line[i])
		if total+n > MaxBodyBytes {
			return 0, refuse(http.StatusRequestEntityTooLarge)
		}
	}
	if i == 0 {
		return 0, refuse(http.StatusBadRequest) // no digits
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i == len(line) {
		return n, nil
	}
	if line[i] != ';' {
		return 0, refuse(http.StatusBadRequest)
	}
	ext := line[i+1:]
	for j, c := range ext {
		// Extensions are read, bounded, and ignored.
		if class[c]&fieldChar == 0 || j >= maxChunkExt {
			return 0, refuse(http.StatusBadRequest)
		}
	}
	return n, nil
}

// readTrailers checks the trailer section and drops it. Its lines share
// the header section's byte budget.
func readTrailers(br *bufio.Reader, h *head) error {
	for {
		budget := MaxHeaderBytes - h.fieldBytes
		line, err := readLine(br, budget)
		if err == errTooLong {
			prefix := bytes.TrimSuffix(line[:budget], []byte("\r"))
			if err := checkTrailer(prefix); err != nil {
				return err
			}
			return refuse(http.StatusRequestHeaderFieldsTooLarge)
		}
		if err != nil {
			return err
		}
		h.fieldBytes += len(line)
		if !bytes.HasSuffix(line, []byte("\r\n")) {
			return refuse(http.StatusBadRequest) // a bare LF
		}
		line = line[:len(line)-2]
		if len(line) == 0 {
			return nil
		}
		if err := checkTrailer(line); err != nil {
			return err
		}
	}
}

// checkTrailer checks a trailer line's bytes as the C parser does: a token
// byte first, then field-value bytes.
func checkTrailer(line []byte) error {
	for i, c := range line {
		if (i == 0 && class[c]&tchar == 0) || class[c]&fieldChar == 0 {
			return refuse(http.StatusBadRequest)
		}
	}
	return nil
}

// unexpected is err, but io.EOF, which in the middle of a request is
// io.ErrUnexpectedEOF; a deadline stays a deadline (408).
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func hexValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int(c|0x20-'a') + 10
}
