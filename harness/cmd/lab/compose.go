package main

import (
	"context"
	"io"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/compose"
	"github.com/serverlab/serverlab/harness/runner"
)

func runCompose(_ context.Context, args []string, stdout io.Writer) error {
	fs := flags("compose")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := none(rest); err != nil {
		return err
	}
	_, err = stdout.Write(compose.Compose(catalogue.Presets(), runner.DefaultBuilder))
	return err
}
