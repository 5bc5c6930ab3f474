package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/compose"
	"github.com/serverlab/serverlab/harness/runner"
)

func runBuild(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("build")
	builder := fs.String("builder", runner.BuilderFromEnv(), "base image of the build stage ($LAB_BUILDER)")
	dir := fs.String("dir", ".", "the repository (Dockerfile and go.mod) or a folder inside it")
	quiet := fs.Bool("q", false, "do not show the builder's output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	targets := fs.Args()
	if len(targets) == 0 {
		targets = catalogue.Targets()
	}
	root, err := runner.FindRoot(*dir)
	if err != nil {
		return err
	}
	var log io.Writer = os.Stderr
	if *quiet {
		log = io.Discard
	}
	if err := runner.Build(ctx, runner.BuildOptions{Dir: root, Builder: *builder, Targets: targets, Log: log}); err != nil {
		return err
	}
	for _, t := range targets {
		fmt.Fprintln(stdout, "built", catalogue.Image(t))
	}
	return nil
}

func runCleanup(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("cleanup")
	run := fs.String("run", "", "only this run's containers (default: every lab container)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n, err := runner.Cleanup(ctx, *run)
	fmt.Fprintf(stdout, "removed %d containers\n", n)
	return err
}

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
