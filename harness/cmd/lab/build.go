package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/image"
)

func runBuild(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flags("build")
	builder := fs.String("builder", image.BuilderFromEnv(), "base image of the build stage ($LAB_BUILDER)")
	arch := fs.String("arch", "", "cross-compile for this CPU architecture ("+strings.Join(image.Arches, ", ")+
		") and tag serverlab/<target>:dev-<arch>; empty: the engine's own, tagged :dev, which the harness runs")
	dir := fs.String("dir", ".", "the repository (Dockerfile and go.mod) or a folder inside it")
	quiet := fs.Bool("q", false, "do not show the builder's output")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	targets := rest
	if len(targets) == 0 {
		targets = catalogue.Targets()
	}
	root, err := image.FindRoot(*dir)
	if err != nil {
		return err
	}
	var log io.Writer = os.Stderr
	if *quiet {
		log = io.Discard
	}
	if err := image.Build(ctx, image.BuildOptions{Dir: root, Builder: *builder, Arch: *arch, Targets: targets, Log: log}); err != nil {
		return err
	}
	for _, t := range targets {
		fmt.Fprintln(stdout, "built", image.ImageFor(t, *arch))
	}
	return nil
}
