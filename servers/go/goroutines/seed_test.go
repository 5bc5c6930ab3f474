package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestSeed(t *testing.T) {
	const delay = 150 * time.Millisecond
	tests := []struct {
		name  string
		send  string
		close bool // half-close after sending
	}{
		// The seed client's request.
		{"request", "GET /hello HTTP/1.1\nHost: localhost\n\n", false},
		// Whatever comes: another path, a bad line, a TLS ClientHello.
		{"other path", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"bad line", "HELLO THERE\r\n\r\n", false},
		{"garbage", "\x16\x03\x01\x00\xa5\x01\x00 not http at all\r\n\r\n", false},
		// More than one read's worth: the rest is never read.
		{"long", strings.Repeat("x", 1000), false},
		// Nothing at all, then EOF: the reply still comes.
		{"EOF", "", true},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go serveSeed(l, delay)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, tt.send)
			if tt.close {
				c.(*net.TCPConn).CloseWrite()
			}
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatal(err)
			}
			// Exactly the article's bytes, and nothing else.
			if string(got) != seedReply {
				t.Errorf("got %q, want %q", got, seedReply)
			}
		})
	}
	t.Run("delay", func(t *testing.T) {
		// Reply, sleep, close: the EOF comes after the delay.
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /hello HTTP/1.1\n\n")
		buf := make([]byte, len(seedReply))
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		replied := time.Now()
		io.ReadAll(c)
		if got := time.Since(replied); got < delay-10*time.Millisecond {
			t.Errorf("EOF %v after the reply, want at least %v", got, delay)
		}
	})
}
