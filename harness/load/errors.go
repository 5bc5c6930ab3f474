package load

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Kind names what went wrong with a request or a connection.
type Kind string

// The kinds of error, in the words of the lessons. After any but Status the
// connection is closed and a new one dialled.
const (
	Refused     Kind = "refused"      // connect: ECONNREFUSED, nobody listening
	Reset       Kind = "reset"        // ECONNRESET or EPIPE: the server's end went away
	Connect     Kind = "connect"      // no connection within the timeout: a SYN or its answer lost, or a full listen queue
	Timeout     Kind = "timeout"      // no complete response within the timeout from the request's send
	Closed      Kind = "closed"       // EOF before a complete response
	Status      Kind = "status"       // a complete response, but not 2xx
	BadResponse Kind = "bad_response" // bytes that are not an HTTP/1.x response
	Other       Kind = "other"        // anything else, e.g. our own EMFILE or EADDRNOTAVAIL
)

// Kinds lists every kind in display order.
var Kinds = []Kind{Refused, Reset, Connect, Timeout, Closed, Status, BadResponse, Other}

// kind is a Kind's index in Kinds, to count without a map.
type kind uint8

const (
	kRefused kind = iota
	kReset
	kConnect
	kTimeout
	kClosed
	kStatus
	kBadResponse
	kOther
	numKinds
)

// classify names a socket error. EOF is not here: whether it ends a
// response or cuts one short is the parser's call. A timeout is a
// response's; dial names its own kConnect.
func classify(err error) kind {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return kRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return kReset
	case isTimeout(err):
		return kTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return kClosed
	}
	return kOther
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}
