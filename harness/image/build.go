// Package image builds the lab's images from the repository's Dockerfile,
// one target per specimen and the lab's own, through the engine the lab
// runs on, and fixes up what an emulated architecture's archive gets wrong
// (arch.go). Starting containers from them is package runner's business.
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/moby/go-archive"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/moby/patternmatcher/ignorefile"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/runner"
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
	// means PythonImageFromEnv, or PythonImageFor(Arch) for another
	// architecture than the engine's.
	Python string
	// Arch is the images' CPU architecture, one of Arches: the C and Go
	// builder stages cross-compile for it (ARG TARGETARCH) and each target
	// is tagged ImageFor(target, Arch). Empty is the engine's own, tagged
	// catalogue.Image(target): the images the harness runs.
	Arch    string
	Targets []string  // Dockerfile targets
	Log     io.Writer // the builder's output; nil discards it
}

// Build builds each target with the engine's classic builder (buildx may be
// absent, and the Dockerfile is written for both). For another
// architecture, it makes sure each image says so: see settleArch.
func Build(ctx context.Context, o BuildOptions) error {
	if err := checkArch(o.Arch); err != nil {
		return err
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	cli, err := runner.DockerClient(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	foreign := false
	if o.Arch != "" {
		native, err := engineArch(ctx, cli.Client)
		if err != nil {
			return err
		}
		foreign = o.Arch != native
	}
	if o.Python == "" {
		o.Python = PythonImageFromEnv()
		if foreign {
			o.Python = PythonImageFor(o.Arch)
		}
	}
	if foreign && slices.ContainsFunc(o.Targets, isPython) {
		if o.Python, err = pythonBase(ctx, cli.Client, o.Python, o.Arch); err != nil {
			return err
		}
	}
	excludes, err := dockerignore(o.Dir)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(filepath.Join(o.Dir, "Dockerfile"))
	if err != nil {
		return err
	}
	d, err := parseStages(src)
	if err != nil {
		return err
	}
	chains, err := d.chains(o.Targets)
	if err != nil {
		return err
	}
	// The chains share no stage: they are built at once, each target of a
	// chain after the one before, its log lines marked with its target
	// when there is more than one chain.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex // serializes the chains' writes to o.Log
	var wg sync.WaitGroup
	errs := make([]error, len(chains))
	for c, chain := range chains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, target := range chain {
				log := o.Log
				if len(chains) > 1 {
					log = &marked{mark: "[" + target + "] ", mu: &mu, w: o.Log}
				}
				err := buildOne(ctx, cli.Client, o, d, excludes, target, log, foreign)
				if lw, ok := log.(*marked); ok {
					lw.flush()
				}
				if err != nil {
					errs[c] = err
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err // the first chain's failure, not the others' cancelling
	}
	return errors.Join(errs...)
}

// buildOne builds target from the Dockerfile cut down to its stages, and
// for another architecture makes its image say so.
func buildOne(ctx context.Context, cli *client.Client, o BuildOptions, d dockerfile, excludes []string, target string, log io.Writer, foreign bool) error {
	tag := ImageFor(target, o.Arch)
	dockerfile, err := d.prune(target)
	if err != nil {
		return err
	}
	if err := buildTarget(ctx, cli, o, excludes, dockerfile, target, tag, log); err != nil {
		if foreign && strings.Contains(err.Error(), "exec format error") {
			err = fmt.Errorf("%w (running %s code here needs emulation: qemu-user-static and binfmt_misc, as scripts/arm64-check.sh sets up)", err, o.Arch)
		}
		return fmt.Errorf("build %s: %w", target, explainBuild(err, o))
	}
	if o.Arch != "" {
		if err := settleArch(ctx, cli, tag, o.Arch); err != nil {
			return fmt.Errorf("build %s: %w", target, err)
		}
	}
	return nil
}

// marked writes each whole line to w with mark before it, under mu.
type marked struct {
	mark    string
	mu      *sync.Mutex
	w       io.Writer
	pending []byte
}

func (m *marked) Write(p []byte) (int, error) {
	m.pending = append(m.pending, p...)
	for {
		i := bytes.IndexByte(m.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		m.mu.Lock()
		_, err := fmt.Fprintf(m.w, "%s%s", m.mark, m.pending[:i+1])
		m.mu.Unlock()
		m.pending = m.pending[i+1:]
		if err != nil {
			return len(p), err
		}
	}
}

// flush writes what is left of a last line without its newline.
func (m *marked) flush() {
	if len(m.pending) > 0 {
		_, _ = m.Write([]byte("\n"))
	}
}

// isPython says whether target starts from the Python base image.
func isPython(target string) bool {
	s, err := catalogue.LookupSpecimen(target)
	return err == nil && s.Language == "python"
}

// buildTarget builds target from the context o.Dir with dockerfile for its
// Dockerfile, tagged tag.
func buildTarget(ctx context.Context, cli *client.Client, o BuildOptions, excludes []string, dockerfile []byte, target, tag string, log io.Writer) error {
	packed, err := archive.TarWithOptions(o.Dir, &archive.TarOptions{ExcludePatterns: excludes})
	if err != nil {
		return fmt.Errorf("pack context %s: %w", o.Dir, err)
	}
	tar := withDockerfile(packed, dockerfile)
	defer tar.Close()
	args := map[string]*string{"BUILDER": &o.Builder, "PYTHON_IMAGE": &o.Python}
	if o.Arch != "" {
		// TARGETARCH alone, never the platform: given one, the classic
		// builder (Engine 20.10) refuses to COPY --from the builder stages,
		// which are of the engine's platform ("image ... was found but
		// does not match the specified platform").
		args["TARGETARCH"] = &o.Arch
	}
	res, err := cli.ImageBuild(ctx, tar, client.ImageBuildOptions{
		Tags:        []string{tag},
		Target:      target,
		BuildArgs:   args,
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return streamBuild(res.Body, log)
}

// withDockerfile is the context archive r with its Dockerfile's content
// replaced by dockerfile.
func withDockerfile(r io.ReadCloser, dockerfile []byte) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		defer r.Close()
		in, out := tar.NewReader(r), tar.NewWriter(pw)
		err := func() error {
			for {
				h, err := in.Next()
				if errors.Is(err, io.EOF) {
					return out.Close()
				} else if err != nil {
					return err
				}
				var body io.Reader = in
				if path.Clean(h.Name) == "Dockerfile" {
					h.Size, body = int64(len(dockerfile)), bytes.NewReader(dockerfile)
				}
				if err := out.WriteHeader(h); err != nil {
					return err
				}
				if _, err := io.Copy(out, body); err != nil {
					return err
				}
			}
		}()
		pw.CloseWithError(err)
	}()
	return pr
}

// engineArch is the engine's own architecture: what the classic builder
// gives an image built FROM scratch, whatever its binary is.
func engineArch(ctx context.Context, cli *client.Client) (string, error) {
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return "", fmt.Errorf("ask the engine its architecture: %w", err)
	}
	return v.Arch, nil
}

// pythonBase returns a reference to an image of ref for arch, for the WSGI
// stages' FROM. The classic builder takes whatever image a tag names
// locally, of any architecture, so the base is checked here. One of the
// lab's own names must be there already; a public one is pulled for arch.
// The engine keeps one image per tag, so the pull takes the tag from the
// image that had it (the host's, which the :dev builds use): the tag goes
// back to that image, and the pulled one is returned by ID.
func pythonBase(ctx context.Context, cli *client.Client, ref, arch string) (string, error) {
	img, err := cli.ImageInspect(ctx, ref)
	if err == nil && img.Architecture == arch {
		return ref, nil
	}
	if isLabImage(ref) {
		if err == nil {
			return "", fmt.Errorf("python base %s is %s, not %s", ref, img.Architecture, arch)
		}
		return "", fmt.Errorf("no python base %s for %s: make it with scripts/offline-builder.sh --arch %s (or set LAB_PYTHON_IMAGE_%s)", ref, arch, arch, strings.ToUpper(arch))
	}
	previous := ""
	if err == nil {
		previous = img.ID
	}
	res, err := cli.ImagePull(ctx, ref, client.ImagePullOptions{Platforms: []ocispec.Platform{{OS: "linux", Architecture: arch}}})
	if err != nil {
		return "", fmt.Errorf("pull %s for linux/%s: %w", ref, arch, err)
	}
	err = res.Wait(ctx)
	res.Close()
	if err != nil {
		return "", fmt.Errorf("pull %s for linux/%s: %w", ref, arch, err)
	}
	pulled, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("inspect %s: %w", ref, err)
	}
	if previous != "" && previous != pulled.ID {
		if _, err := cli.ImageTag(ctx, client.ImageTagOptions{Source: previous, Target: ref}); err != nil {
			return "", fmt.Errorf("give %s back to %s: %w", ref, previous, err)
		}
	}
	if pulled.Architecture != arch {
		return "", fmt.Errorf("pulled %s for linux/%s, got %s", ref, arch, pulled.Architecture)
	}
	return pulled.ID, nil
}

// settleArch makes the image ref say arch, if its binary is of arch. The
// classic builder gives an image FROM scratch the engine's architecture
// (and refuses to COPY --from a stage of another platform, so it cannot be
// told otherwise): a cross-compiled specimen comes out saying amd64. Its
// entrypoint is read, and only an ELF binary of arch lets the config be
// corrected; an image that inherits its architecture from a base (the
// Python ones) must already say arch.
func settleArch(ctx context.Context, cli *client.Client, ref, arch string) error {
	img, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", ref, err)
	}
	if img.Architecture == arch {
		return nil
	}
	var entrypoint []string
	if img.Config != nil {
		entrypoint = img.Config.Entrypoint
	}
	if len(entrypoint) == 0 || !path.IsAbs(entrypoint[0]) {
		return fmt.Errorf("%s is %s, not %s, and its entrypoint %q is no binary of its own: its base image is of another architecture", ref, img.Architecture, arch, entrypoint)
	}
	bin := entrypoint[0]
	got, err := binaryArch(ctx, cli, ref, bin)
	if err != nil {
		return err
	}
	if got != arch {
		return fmt.Errorf("%s: %s is %s, not %s", ref, bin, got, arch)
	}
	if err := setArchitecture(ctx, cli, ref, arch); err != nil {
		return fmt.Errorf("set %s's architecture to %s: %w", ref, arch, err)
	}
	img, err = cli.ImageInspect(ctx, ref)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", ref, err)
	}
	if img.Architecture != arch {
		return fmt.Errorf("%s still says %s after loading it as %s", ref, img.Architecture, arch)
	}
	return nil
}

// binaryArch reads the ELF header of file in image ref, through a container
// created and never started.
func binaryArch(ctx context.Context, cli *client.Client, ref, file string) (string, error) {
	c, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Image:  ref,
		Config: &container.Config{Labels: map[string]string{runner.LabelLab: "true", runner.LabelRole: "build"}},
	})
	if err != nil {
		return "", fmt.Errorf("create a container of %s: %w", ref, err)
	}
	defer cli.ContainerRemove(context.WithoutCancel(ctx), c.ID, client.ContainerRemoveOptions{Force: true})
	res, err := cli.CopyFromContainer(ctx, c.ID, client.CopyFromContainerOptions{SourcePath: file})
	if err != nil {
		return "", fmt.Errorf("copy %s from %s: %w", file, ref, err)
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	h, err := tr.Next()
	if err != nil {
		return "", fmt.Errorf("copy %s from %s: %w", file, ref, err)
	}
	if h.Typeflag != tar.TypeReg {
		return "", fmt.Errorf("%s in %s is not a regular file", file, ref)
	}
	arch, err := elfArch(tr)
	if err != nil {
		return "", fmt.Errorf("%s in %s: %w", file, ref, err)
	}
	return arch, nil
}

// setArchitecture rewrites the architecture in image ref's config: the
// image saved, its config edited, loaded again under the same tag. Its
// layers are the same bytes; its ID, the config's digest, changes.
func setArchitecture(ctx context.Context, cli *client.Client, ref, arch string) error {
	saved, err := cli.ImageSave(ctx, []string{ref})
	if err != nil {
		return fmt.Errorf("save: %w", err)
	}
	var edited bytes.Buffer
	err = rewriteArchitecture(saved, &edited, arch)
	saved.Close()
	if err != nil {
		return err
	}
	res, err := cli.ImageLoad(ctx, &edited, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	defer res.Close()
	if err := streamBuild(res, io.Discard); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return nil
}

// streamBuild copies the builder's JSON stream to log as text and returns
// the error the stream reports, if any.
// explainBuild says what to do about the build failures a user meets: a
// base image that is neither here nor pullable (an offline machine), and a
// step that failed, whose output the quiet build did not show.
func explainBuild(err error, o BuildOptions) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "registry") || strings.Contains(msg, "pull access denied") || strings.Contains(msg, "manifest unknown"):
		return fmt.Errorf("a base image (%s or %s) is not here and cannot be pulled; offline, make them with scripts/offline-builder.sh "+
			"and set LAB_BUILDER=serverlab/builder:offline LAB_PYTHON_IMAGE=serverlab/python:offline: %s", o.Builder, o.Python, firstLine(msg))
	case strings.Contains(msg, "returned a non-zero code"):
		return fmt.Errorf("a build step failed (lab build %s shows its output): %s", strings.Join(o.Targets, " "), firstLine(msg))
	}
	return err
}

// firstLine is s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

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
