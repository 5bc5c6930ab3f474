package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestImageFor(t *testing.T) {
	tests := []struct {
		target, arch, want string
	}{
		// no architecture: the engine's own, the tag the harness runs
		{"epoll", "", "serverlab/epoll:dev"},
		// an architecture asked for is in the tag, even the engine's own
		{"epoll", "arm64", "serverlab/epoll:dev-arm64"},
		{"lab", "amd64", "serverlab/lab:dev-amd64"},
	}
	for _, tt := range tests {
		if got := ImageFor(tt.target, tt.arch); got != tt.want {
			t.Errorf("ImageFor(%q, %q) = %q, want %q", tt.target, tt.arch, got, tt.want)
		}
	}
}

func TestPythonImageFor(t *testing.T) {
	tests := []struct {
		name             string
		python, python64 string // $LAB_PYTHON_IMAGE, $LAB_PYTHON_IMAGE_ARM64
		want             string
	}{
		// online: the public image, pulled for the architecture
		{"public", "", "", "python:3.11-slim"},
		// offline: the lab's own image has an -arm64 twin
		{"offline", "serverlab/python:offline", "", "serverlab/python:offline-arm64"},
		// said outright, it wins
		{"explicit", "serverlab/python:offline", "example/python:arm", "example/python:arm"},
		// another public image is pulled for the architecture too
		{"other public", "python:3.12-slim", "", "python:3.12-slim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LAB_PYTHON_IMAGE", tt.python)
			t.Setenv("LAB_PYTHON_IMAGE_ARM64", tt.python64)
			if got := PythonImageFor("arm64"); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBuildRefusesArch: an architecture the Dockerfile cannot cross-compile
// for is refused before Docker is asked anything.
func TestBuildRefusesArch(t *testing.T) {
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1") // nothing answers there
	err := Build(context.Background(), BuildOptions{Dir: t.TempDir(), Arch: "sparc", Targets: []string{"epoll"}})
	if err == nil || !strings.Contains(err.Error(), `"sparc"`) {
		t.Errorf("got %v, want sparc refused", err)
	}
}

// elfHeader is the start of an ELF file: identification, e_type, e_machine.
func elfHeader(class, data byte, machine uint16) []byte {
	h := []byte{0x7f, 'E', 'L', 'F', class, data, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0}
	if data == 2 { // big-endian
		h[16], h[17] = 0, 2
		h[18], h[19] = byte(machine>>8), byte(machine)
	} else {
		h[18], h[19] = byte(machine), byte(machine>>8)
	}
	return h
}

func TestElfArch(t *testing.T) {
	tests := []struct {
		name   string
		header []byte
		want   string // "" when an error is wanted
	}{
		// what gcc and go build for the two architectures
		{"x86-64", elfHeader(2, 1, 62), "amd64"},
		{"aarch64", elfHeader(2, 1, 183), "arm64"},
		// 32-bit ones, named as GOARCH does
		{"i386", elfHeader(1, 1, 3), "386"},
		{"arm", elfHeader(1, 1, 40), "arm"},
		// big-endian AArch64 is not what arm64 runs
		{"aarch64_be", elfHeader(2, 2, 183), ""},
		// AArch64's machine in a 32-bit file is no arm64 binary
		{"aarch64 class 32", elfHeader(1, 1, 183), ""},
		// a machine the lab does not name
		{"riscv", elfHeader(2, 1, 243), ""},
		// a script is no ELF file
		{"script", []byte("#!/bin/sh\necho hello, world\n"), ""},
		// cut short
		{"short", []byte{0x7f, 'E', 'L', 'F', 2, 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := elfArch(bytes.NewReader(tt.header))
			if tt.want == "" {
				if err == nil {
					t.Errorf("got %q, want an error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

// TestElfArchOfThisBinary: the test binary is of the architecture it runs on.
func TestElfArchOfThisBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := elfArch(f)
	if err != nil || got != runtime.GOARCH {
		t.Errorf("got %q, %v, want %q", got, err, runtime.GOARCH)
	}
}

// archiveFile is one file of a synthetic `docker save` archive.
type archiveFile struct {
	name string
	data []byte
}

func writeArchive(t *testing.T, files []archiveFile) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readArchive(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = b
	}
}

func hexOf(data []byte) string { return strings.TrimPrefix(digestOf(data), "sha256:") }

// The config of a FROM scratch image as the classic builder writes it.
var scratchConfig = []byte(`{"architecture":"amd64","config":{"User":"10001:10001","Entrypoint":["/epoll"]},"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:aaaa"]}}`)

var layer = []byte("the layer's bytes, which must not change")

// checkConfig says whether the archive's file name holds a config saying
// arm64, named after its digest, and returns the config.
func checkConfig(t *testing.T, files map[string][]byte, name string) map[string]any {
	t.Helper()
	data, ok := files[name]
	if !ok {
		t.Fatalf("config %s is not in the archive", name)
	}
	if base := path.Base(name); strings.TrimSuffix(base, ".json") != hexOf(data) {
		t.Errorf("config %s holds content of digest %s", name, hexOf(data))
	}
	var c map[string]any
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if c["architecture"] != "arm64" || c["os"] != "linux" {
		t.Errorf("config says %v/%v, want linux/arm64", c["os"], c["architecture"])
	}
	if _, ok := c["config"].(map[string]any)["Entrypoint"]; !ok {
		t.Errorf("config lost its entrypoint: %s", data)
	}
	return c
}

// TestRewriteArchitectureDocker: Engine 20.10's `docker save` layout.
func TestRewriteArchitectureDocker(t *testing.T) {
	cfg := hexOf(scratchConfig) + ".json"
	manifest := `[{"Config":"` + cfg + `","RepoTags":["serverlab/epoll:dev-arm64"],"Layers":["1234/layer.tar"]}]`
	in := writeArchive(t, []archiveFile{
		{cfg, scratchConfig},
		{"1234/layer.tar", layer},
		{"manifest.json", []byte(manifest)},
		{"repositories", []byte(`{"serverlab/epoll":{"dev-arm64":"1234"}}`)},
	})
	var out bytes.Buffer
	if err := rewriteArchitecture(bytes.NewReader(in), &out, "arm64"); err != nil {
		t.Fatal(err)
	}
	files := readArchive(t, out.Bytes())
	var m []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil || len(m) != 1 {
		t.Fatalf("manifest.json: %s, %v", files["manifest.json"], err)
	}
	checkConfig(t, files, m[0].Config)
	if _, ok := files[cfg]; ok {
		t.Errorf("the old config %s is still there", cfg)
	}
	if !bytes.Equal(files["1234/layer.tar"], layer) || len(m[0].Layers) != 1 || m[0].Layers[0] != "1234/layer.tar" {
		t.Errorf("the layer changed: %q, %q", files["1234/layer.tar"], m[0].Layers)
	}
	if len(m[0].RepoTags) != 1 || m[0].RepoTags[0] != "serverlab/epoll:dev-arm64" {
		t.Errorf("tags: got %q", m[0].RepoTags)
	}
}

// ociArchive is the OCI layout Engine 25 and later write beside
// manifest.json: index.json → manifest blob → config and layer blobs.
func ociArchive(t *testing.T, config []byte) []byte {
	cfg := "blobs/sha256/" + hexOf(config)
	lay := "blobs/sha256/" + hexOf(layer)
	ociManifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + digestOf(config) + `","size":` + itoa(len(config)) + `},` +
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + digestOf(layer) + `","size":` + itoa(len(layer)) + `}]}`)
	index := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"digest":"` + digestOf(ociManifest) + `","size":` + itoa(len(ociManifest)) + `,"annotations":{"io.containerd.image.name":"docker.io/serverlab/epoll:dev-arm64"}}]}`
	return writeArchive(t, []archiveFile{
		{"blobs/sha256/" + hexOf(ociManifest), ociManifest},
		{cfg, config},
		{lay, layer},
		{"index.json", []byte(index)},
		{"manifest.json", []byte(`[{"Config":"` + cfg + `","RepoTags":["serverlab/epoll:dev-arm64"],"Layers":["` + lay + `"]}]`)},
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
	})
}

// TestRewriteArchitectureOCI: in the OCI layout a new config digest moves
// the manifest's, and index.json follows.
func TestRewriteArchitectureOCI(t *testing.T) {
	in := ociArchive(t, scratchConfig)
	lay := "blobs/sha256/" + hexOf(layer)
	var out bytes.Buffer
	if err := rewriteArchitecture(bytes.NewReader(in), &out, "arm64"); err != nil {
		t.Fatal(err)
	}
	files := readArchive(t, out.Bytes())

	var idx struct {
		Manifests []struct {
			Digest      string
			Size        int
			Annotations map[string]string
		}
	}
	if err := json.Unmarshal(files["index.json"], &idx); err != nil || len(idx.Manifests) != 1 {
		t.Fatalf("index.json: %s, %v", files["index.json"], err)
	}
	d := idx.Manifests[0]
	mf, ok := files["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")]
	if !ok || digestOf(mf) != d.Digest || len(mf) != d.Size {
		t.Fatalf("index.json points to %s (%d bytes), which the archive does not hold", d.Digest, d.Size)
	}
	if d.Annotations["io.containerd.image.name"] != "docker.io/serverlab/epoll:dev-arm64" {
		t.Errorf("index.json lost the image's name: %s", files["index.json"])
	}
	var m struct {
		Config struct {
			Digest string
			Size   int
		}
		Layers []struct{ Digest string }
	}
	if err := json.Unmarshal(mf, &m); err != nil {
		t.Fatal(err)
	}
	name := "blobs/sha256/" + strings.TrimPrefix(m.Config.Digest, "sha256:")
	checkConfig(t, files, name)
	if len(files[name]) != m.Config.Size {
		t.Errorf("the manifest says the config has %d bytes, it has %d", m.Config.Size, len(files[name]))
	}
	if len(m.Layers) != 1 || m.Layers[0].Digest != digestOf(layer) || !bytes.Equal(files[lay], layer) {
		t.Errorf("the layer changed: %+v", m.Layers)
	}
	var dm []struct{ Config string }
	if err := json.Unmarshal(files["manifest.json"], &dm); err != nil || len(dm) != 1 || dm[0].Config != name {
		t.Errorf("manifest.json: %s, want its config %s", files["manifest.json"], name)
	}
}

// TestRewriteArchitectureUnchanged: a config that already says arch comes
// out as it was, and so does everything that points to it.
func TestRewriteArchitectureUnchanged(t *testing.T) {
	in := ociArchive(t, scratchConfig) // its keys in json.Marshal's order
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- rewriteArchitecture(bytes.NewReader(in), &out, "amd64") }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still rewriting after 10 s")
	}
	before, after := readArchive(t, in), readArchive(t, out.Bytes())
	for name, data := range before {
		if name == "manifest.json" {
			continue // re-encoded
		}
		if !bytes.Equal(after[name], data) {
			t.Errorf("%s changed: %s", name, after[name])
		}
	}
}

func TestRewriteArchitectureRefuses(t *testing.T) {
	tests := []struct {
		name  string
		files []archiveFile
	}{
		// no manifest.json: not an image archive
		{"no manifest", []archiveFile{{"x.json", scratchConfig}}},
		// manifest.json names a config the archive does not hold
		{"no config", []archiveFile{{"manifest.json", []byte(`[{"Config":"x.json"}]`)}}},
		// the config named is no image config
		{"not a config", []archiveFile{{"x.json", []byte(`{"architecture":"amd64"}`)}, {"manifest.json", []byte(`[{"Config":"x.json"}]`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := rewriteArchitecture(bytes.NewReader(writeArchive(t, tt.files)), io.Discard, "arm64")
			if err == nil {
				t.Error("got no error")
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
