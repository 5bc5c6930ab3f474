package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Telnet is what the article's reader does with telnet: connect, type a
// request line by line, read what comes back until the server closes. Each
// line read from in is sent as telnet sends it, ending in CRLF; what the
// server sends is copied to out as it comes; the server's close ends it, as
// telnet's "Connection closed by foreign host." does. The end of in does not
// close the connection (telnet keeps it open too): the server's reply, or
// ctx, ends it.
func Telnet(ctx context.Context, addr string, in io.Reader, out io.Writer) error {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := d.DialContext(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Fprintf(out, "Connected to %s.\n", addr)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	go func() {
		s := bufio.NewScanner(in)
		for s.Scan() {
			line := strings.TrimSuffix(s.Text(), "\r") + "\r\n"
			if _, err := io.WriteString(conn, line); err != nil {
				return
			}
		}
	}()
	_, err = io.Copy(out, conn)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Connection closed by foreign host.")
	return nil
}
