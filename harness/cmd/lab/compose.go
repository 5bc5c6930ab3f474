package main

import (
	"context"
	"io"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/compose"
)

func runCompose(_ context.Context, args []string, stdout io.Writer) error {
	fs := flags("compose")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := stdout.Write(compose.Compose(catalogue.Presets(), catalogue.DefaultBuilder, catalogue.DefaultPythonImage))
	return err
}
