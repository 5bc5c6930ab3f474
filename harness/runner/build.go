package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/moby/go-archive"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// BuilderFromEnv returns $LAB_BUILDER, or DefaultBuilder. Offline machines
// set LAB_BUILDER=serverlab/builder:offline (scripts/offline-builder.sh).
func BuilderFromEnv() string {
	if b := os.Getenv("LAB_BUILDER"); b != "" {
		return b
	}
	return catalogue.DefaultBuilder
}

// PythonImageFromEnv returns $LAB_PYTHON_IMAGE, or the public image the
// WSGI stages start from. Offline machines set
// LAB_PYTHON_IMAGE=serverlab/python:offline (scripts/offline-builder.sh).
func PythonImageFromEnv() string {
	if p := os.Getenv("LAB_PYTHON_IMAGE"); p != "" {
		return p
	}
	return catalogue.DefaultPythonImage
}

// BuildOptions says what to build and from where.
type BuildOptions struct {
	Dir     string // the repository root: Dockerfile and build context
	Builder string // the build stage's base image (ARG BUILDER)
	// Python is the WSGI stages' base image (ARG PYTHON_IMAGE); empty
	// means PythonImageFromEnv.
	Python  string
	Targets []string  // Dockerfile targets; each is tagged catalogue.Image(target)
	Log     io.Writer // the builder's output; nil discards it
}

// Build builds each target with the engine's classic builder (buildx may be
// absent, and the Dockerfile is written for both).
func Build(ctx context.Context, o BuildOptions) error {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Python == "" {
		o.Python = PythonImageFromEnv()
	}
	cli, err := dockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	excludes, err := dockerignore(o.Dir)
	if err != nil {
		return err
	}
	for _, target := range o.Targets {
		if err := buildTarget(ctx, cli.Client, o, excludes, target); err != nil {
			return fmt.Errorf("build %s: %w", target, err)
		}
	}
	return nil
}

func buildTarget(ctx context.Context, cli *client.Client, o BuildOptions, excludes []string, target string) error {
	tar, err := archive.TarWithOptions(o.Dir, &archive.TarOptions{ExcludePatterns: excludes})
	if err != nil {
		return fmt.Errorf("pack context %s: %w", o.Dir, err)
	}
	defer tar.Close()
	res, err := cli.ImageBuild(ctx, tar, client.ImageBuildOptions{
		Tags:        []string{catalogue.Image(target)},
		Target:      target,
		BuildArgs:   map[string]*string{"BUILDER": &o.Builder, "PYTHON_IMAGE": &o.Python},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
		Labels:      map[string]string{LabelLab: "true"},
	})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return streamBuild(res.Body, o.Log)
}

// streamBuild copies the builder's JSON stream to log as text and returns
// the error the stream reports, if any.
func streamBuild(r io.Reader, log io.Writer) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read build output: %w", err)
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
		if _, err := io.WriteString(log, msg.Stream); err != nil {
			return err
		}
	}
}

func dockerignore(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	return ignorefile.ReadAll(f)
}

// FindRoot returns the nearest directory at or above dir that holds both a
// Dockerfile and go.mod: the repository root.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, "Dockerfile")) && exists(filepath.Join(d, "go.mod")) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Dockerfile and go.mod at or above %s", dir)
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
