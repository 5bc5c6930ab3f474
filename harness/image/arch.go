package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// Arches are the CPU architectures, as GOARCH names them, that the
// Dockerfile's builder stages can cross-compile for.
var Arches = []string{"amd64", "arm64"}

// ImageFor is the tag a target is built under for arch: catalogue.Image
// (":dev") when arch is empty, the engine's own, which is what the harness
// runs; ":dev-<arch>" when an architecture was asked for, so that an arm64
// build never replaces the images the harness runs on an amd64 machine.
func ImageFor(target, arch string) string {
	if arch == "" {
		return catalogue.Image(target)
	}
	return catalogue.Image(target) + "-" + arch
}

// PythonImageFor is the WSGI stages' base image for another architecture:
// $LAB_PYTHON_IMAGE_<ARCH> (LAB_PYTHON_IMAGE_ARM64), else, when
// PythonImageFromEnv is one of the lab's own offline images, that name
// with "-<arch>" (serverlab/python:offline-arm64, which
// `scripts/offline-builder.sh --arch arm64` makes), else the public image,
// which Build pulls for the architecture.
func PythonImageFor(arch string) string {
	if p := os.Getenv("LAB_PYTHON_IMAGE_" + strings.ToUpper(arch)); p != "" {
		return p
	}
	p := PythonImageFromEnv()
	if isLabImage(p) {
		return p + "-" + arch
	}
	return p
}

// isLabImage says whether ref is one of the lab's own names, which are made
// here and never pulled.
func isLabImage(ref string) bool { return strings.HasPrefix(ref, catalogue.ImageRepo+"/") }

func checkArch(arch string) error {
	if arch != "" && !slices.Contains(Arches, arch) {
		return fmt.Errorf("architecture %q: the Dockerfile cross-compiles for %s", arch, strings.Join(Arches, " and "))
	}
	return nil
}

// elfArch reads an ELF header and names its machine as GOARCH does.
func elfArch(r io.Reader) (string, error) {
	var ident [elf.EI_NIDENT]byte
	if _, err := io.ReadFull(r, ident[:]); err != nil {
		return "", fmt.Errorf("read the ELF header: %w", err)
	}
	if string(ident[:4]) != elf.ELFMAG {
		return "", errors.New("not an ELF file")
	}
	var order binary.ByteOrder
	switch elf.Data(ident[elf.EI_DATA]) {
	case elf.ELFDATA2LSB:
		order = binary.LittleEndian
	case elf.ELFDATA2MSB:
		order = binary.BigEndian
	default:
		return "", fmt.Errorf("ELF data encoding %d", ident[elf.EI_DATA])
	}
	// e_type (2 bytes), then e_machine: at the same offset in both classes.
	var typeMachine [4]byte
	if _, err := io.ReadFull(r, typeMachine[:]); err != nil {
		return "", fmt.Errorf("read the ELF header: %w", err)
	}
	class := elf.Class(ident[elf.EI_CLASS])
	machine := elf.Machine(order.Uint16(typeMachine[2:]))
	little := order == binary.LittleEndian
	switch {
	case machine == elf.EM_X86_64 && class == elf.ELFCLASS64 && little:
		return "amd64", nil
	case machine == elf.EM_AARCH64 && class == elf.ELFCLASS64 && little:
		return "arm64", nil
	case machine == elf.EM_386 && class == elf.ELFCLASS32 && little:
		return "386", nil
	case machine == elf.EM_ARM && class == elf.ELFCLASS32 && little:
		return "arm", nil
	}
	return "", fmt.Errorf("ELF machine %v (%v, %v)", machine, class, elf.Data(ident[elf.EI_DATA]))
}

// savedFile is one entry of an image archive, as `docker save` wrote it.
type savedFile struct {
	hdr  *tar.Header
	data []byte
}

// rewriteArchitecture copies an image archive from in to out with every
// image's config saying arch. It reads both layouts `docker save` writes:
// Docker's (manifest.json naming a <digest>.json config) and, from Engine
// 25, OCI's beside it (index.json → manifest blob → config blob), where a
// changed blob changes the digest of everything that points to it.
func rewriteArchitecture(in io.Reader, out io.Writer, arch string) error {
	var files []*savedFile
	byName := map[string]*savedFile{}
	tr := tar.NewReader(in)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read the saved image: %w", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return fmt.Errorf("read %s: %w", h.Name, err)
		}
		f := &savedFile{hdr: h, data: data}
		files = append(files, f)
		byName[path.Clean(h.Name)] = f
	}

	manifest, ok := byName["manifest.json"]
	if !ok {
		return errors.New("the saved image has no manifest.json")
	}
	var images []map[string]any
	if err := json.Unmarshal(manifest.data, &images); err != nil {
		return fmt.Errorf("read manifest.json: %w", err)
	}
	// moved maps a blob's old digest to its new descriptor.
	moved := map[string]descriptor{}
	for _, img := range images {
		name, _ := img["Config"].(string)
		config, ok := byName[path.Clean(name)]
		if !ok {
			return fmt.Errorf("manifest.json names config %q, not in the archive", name)
		}
		data, err := setConfigArch(config.data, arch)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		to := replace(config, data, moved)
		img["Config"] = to
	}
	if _, ok := byName["index.json"]; ok {
		if err := repoint(files, moved); err != nil {
			return err
		}
	}
	data, err := json.Marshal(images)
	if err != nil {
		return err
	}
	manifest.data = data

	tw := tar.NewWriter(out)
	for _, f := range files {
		f.hdr.Size = int64(len(f.data))
		if err := tw.WriteHeader(f.hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	return tw.Close()
}

// descriptor is what an OCI manifest or index says of a blob it points to.
type descriptor struct {
	digest string
	size   int
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// replace gives f new content and, where its name is its digest
// ("<hex>.json" or "blobs/sha256/<hex>"), the new digest's name; moved
// records the change. It returns the new name.
func replace(f *savedFile, data []byte, moved map[string]descriptor) string {
	old, now := digestOf(f.data), digestOf(data)
	f.data = data
	if old == now {
		return f.hdr.Name
	}
	oldHex, nowHex := strings.TrimPrefix(old, "sha256:"), strings.TrimPrefix(now, "sha256:")
	dir, base := path.Split(f.hdr.Name)
	switch base {
	case oldHex + ".json":
		f.hdr.Name = dir + nowHex + ".json"
	case oldHex:
		f.hdr.Name = dir + nowHex
	}
	moved[old] = descriptor{now, len(data)}
	return f.hdr.Name
}

// setConfigArch returns an image config saying arch; the variant of the
// other architecture, if any, goes.
func setConfigArch(config []byte, arch string) ([]byte, error) {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(config, &c); err != nil {
		return nil, fmt.Errorf("read the image config: %w", err)
	}
	if _, ok := c["rootfs"]; !ok {
		return nil, errors.New("not an image config (no rootfs)")
	}
	a, err := json.Marshal(arch)
	if err != nil {
		return nil, err
	}
	c["architecture"] = a
	delete(c, "variant")
	return json.Marshal(c)
}

// repoint rewrites, in the OCI layout, every manifest and index that points
// to a moved blob, until none does: each rewrite moves that blob in turn.
// index.json, the layout's entry point, keeps its name.
func repoint(files []*savedFile, moved map[string]descriptor) error {
	for changed := true; changed; {
		changed = false
		for _, f := range files {
			isIndex := path.Clean(f.hdr.Name) == "index.json"
			if !isIndex && !strings.HasPrefix(path.Clean(f.hdr.Name), "blobs/") {
				continue
			}
			data, ok, err := repointJSON(f.data, moved)
			if err != nil {
				return fmt.Errorf("%s: %w", f.hdr.Name, err)
			}
			if !ok {
				continue
			}
			changed = true
			if isIndex {
				f.data = data
			} else {
				replace(f, data, moved)
			}
		}
	}
	return nil
}

// repointJSON rewrites the descriptors of a manifest or index that point to
// a moved blob. ok is false when data is neither, or points to none.
func repointJSON(data []byte, moved map[string]descriptor) (out []byte, ok bool, err error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return nil, false, nil // a layer, or any blob that is not JSON
	}
	if _, isDoc := doc["mediaType"]; !isDoc {
		if _, isDoc = doc["schemaVersion"]; !isDoc {
			return nil, false, nil
		}
	}
	point := func(v any) {
		d, _ := v.(map[string]any)
		digest, _ := d["digest"].(string)
		if to, found := moved[digest]; found && to.digest != digest {
			d["digest"] = to.digest
			d["size"] = to.size
			ok = true
		}
	}
	point(doc["config"])
	for _, key := range []string{"manifests", "layers"} {
		list, _ := doc[key].([]any)
		for _, v := range list {
			point(v)
		}
	}
	if !ok {
		return nil, false, nil
	}
	out, err = json.Marshal(doc)
	return out, true, err
}
