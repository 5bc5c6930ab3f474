package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/serverlab/serverlab/harness/client"
)

func runTelnet(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("telnet")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lab telnet HOST PORT   (type the request; an empty line ends its head)")
		return errUsage
	}
	return client.Telnet(ctx, net.JoinHostPort(rest[0], rest[1]), os.Stdin, stdout)
}
