package client

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// A server that reads a request's head and answers, then closes: Telnet
// sends each typed line with CRLF, shows the reply, and ends at the close.
func TestTelnet(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		var head strings.Builder
		for {
			line, err := r.ReadString('\n')
			head.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		got <- head.String()
		c.Write([]byte("HTTP/1.1 200 OK\n\nHello, World!\n"))
	}()
	var out strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Telnet(ctx, ln.Addr().String(), strings.NewReader("GET /hello HTTP/1.1\nHost: localhost\n\n"), &out); err != nil {
		t.Fatal(err)
	}
	if h := <-got; h != "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n" {
		t.Errorf("the server read %q, want the lines with CRLF", h)
	}
	want := "Connected to " + ln.Addr().String() + ".\nHTTP/1.1 200 OK\n\nHello, World!\nConnection closed by foreign host.\n"
	if out.String() != want {
		t.Errorf("shown:\n%s\nwant:\n%s", out.String(), want)
	}
}
