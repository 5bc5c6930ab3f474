package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/compose"
	"github.com/serverlab/serverlab/harness/runner"
)

func runCompose(_ context.Context, args []string, stdout io.Writer) error {
	fs := flags("compose")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("compose takes no arguments, got %s", strings.Join(fs.Args(), " "))
	}
	_, err := stdout.Write(compose.Compose(catalogue.Presets(), runner.DefaultBuilder))
	return err
}
