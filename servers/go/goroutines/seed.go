package main

import (
	"io"
	"net"
	"time"
)

// seedReply is the article's response, byte for byte: its Python source
// writes it as a triple-quoted string, so its lines end in a bare LF.
const seedReply = "HTTP/1.1 200 OK\n\nHello, World!\n"

// serveSeed speaks the article's wire on every connection l accepts, each in
// a goroutine of its own, until Accept fails: it returns that error.
func serveSeed(l net.Listener, delay time.Duration) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go seed(c, delay)
	}
}

// seed is webserver1.py's loop body: one read of up to 1024 bytes, then
// the reply and nothing else, then the delay, then close. A request, half
// of one, garbage, EOF or an error all get the reply, as in the C
// specimens. No timeout: the article blocks. A client that sent more than
// was read gets a reset on close, as from the article's server.
func seed(c net.Conn, delay time.Duration) {
	defer c.Close()
	c.Read(make([]byte, 1024))
	if _, err := io.WriteString(c, seedReply); err != nil {
		return
	}
	time.Sleep(delay)
}
