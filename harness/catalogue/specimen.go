// Package catalogue lists what the lab studies: the specimens (one server
// program per concurrency model), the presets that reproduce each program of
// the seed articles, and the limits pinned on them. It is data only: adding a
// specimen touches this catalogue, its source file and its Dockerfile target.
package catalogue

import (
	"embed"
	"fmt"
	"path"
	"sort"
)

// Image naming: every Dockerfile target is tagged ImageRepo/<target>:ImageTag.
const (
	ImageRepo = "serverlab"
	ImageTag  = "dev"
	// AgentTarget is the Dockerfile target of the lab's own binary, which
	// runs beside a specimen as its agent.
	AgentTarget = "lab"
	// Port is where every specimen listens inside its network namespace.
	Port = 8888
	// DefaultBuilder is the image the Dockerfile's build stage starts from
	// when nothing else is said: a public Go image that has gcc. Offline
	// machines set LAB_BUILDER=serverlab/builder:offline instead.
	DefaultBuilder = "golang:1.26-bookworm"
	// DefaultPythonImage is the WSGI stages' base image when nothing else
	// is said; offline machines set LAB_PYTHON_IMAGE=serverlab/python:offline.
	DefaultPythonImage = "python:3.11-slim"
)

// Specimen is one server program: one concurrency model, one source file,
// one Dockerfile target.
type Specimen struct {
	Name     string `json:"name"`     // also the Dockerfile target and the binary's name
	Language string `json:"language"` // c, go, python
	Source   string `json:"source"`   // path from the repository root
	Model    string `json:"model"`    // the concurrency model and its trade-off, one line
	// Comm is the specimen's process name in /proc: how probes find it.
	Comm string `json:"comm"`
	// Seccomp is the seccomp profile it runs under, a file of this package
	// by its path from the repository root; "" is the engine's default.
	// A departure from a default run, which the report names.
	Seccomp string `json:"seccomp,omitempty"`
}

// Image is the tag the specimen's image is built under.
func (s Specimen) Image() string { return Image(s.Name) }

// Image is the tag of a Dockerfile target.
func Image(target string) string { return fmt.Sprintf("%s/%s:%s", ImageRepo, target, ImageTag) }

var specimens = []Specimen{
	{
		Name:     "iterative",
		Language: "c",
		Source:   "servers/c/iterative.c",
		Comm:     "iterative",
		Model:    "one client at a time: simple, and one slow request blocks everyone behind it",
	},
	{
		Name:     "forking",
		Language: "c",
		Source:   "servers/c/forking.c",
		Comm:     "forking",
		Model:    "a process per connection: concurrency from fork(), paid for in descriptors, processes and reaping",
	},
	{
		Name:     "select",
		Language: "c",
		Source:   "servers/c/select.c",
		Comm:     "select",
		Model:    "one process, one select() loop: every connection at once, but no descriptor at or past FD_SETSIZE (1024)",
	},
	{
		Name:     "epoll",
		Language: "c",
		Source:   "servers/c/epoll.c",
		Comm:     "epoll",
		Model:    "one process, one epoll loop: ten thousand idle connections for a few KiB each, and one blocking call stalls them all",
	},
	{
		Name:     "uring",
		Language: "c",
		Source:   "servers/c/uring.c",
		Comm:     "uring",
		Model:    "one process, one io_uring: accepts, recvs and sends submitted to the kernel and reaped as completions, many per system call",
		Seccomp:  seccompDir + "/uring-seccomp.json",
	},
	{
		Name:     "prefork",
		Language: "c",
		Source:   "servers/c/prefork.c",
		Comm:     "prefork",
		Model:    "N workers forked at start, each serving one connection at a time: no fork per request, but N slow clients stop it",
	},
	{
		Name:     "threads",
		Language: "c",
		Source:   "servers/c/threads.c",
		Comm:     "threads",
		Model:    "a thread per connection: cheap to start, but each holds a stack and a task the pids limit counts",
	},
	{
		Name:     "wsgi",
		Language: "python",
		Source:   "servers/python/wsgiserver.py",
		Comm:     "python3",
		Model:    "the article's WSGI server: one connection at a time (webserver2) or a child per connection (webserver3h)",
	},
	{
		Name:     "gunicorn",
		Language: "python",
		Source:   "servers/python/gunicornlab.py",
		Comm:     "gunicorn",
		Model:    "gunicorn's sync workers, forked once at start: the production peer of the article's WSGI server",
	},
	{
		Name:     "goroutines",
		Language: "go",
		Source:   "servers/go/goroutines/main.go",
		Comm:     "goroutines",
		Model:    "a goroutine per connection over Go's netpoller: blocking code, epoll underneath",
	},
}

// seccompDir is where this package's profiles stand in the repository.
const seccompDir = "harness/catalogue"

//go:embed uring-seccomp.json
var profiles embed.FS

// SeccompProfile is the JSON of the specimen's seccomp profile, as the
// engine's API takes it ("seccomp=" and the profile); "" for the engine's
// default.
func (s Specimen) SeccompProfile() (string, error) {
	if s.Seccomp == "" {
		return "", nil
	}
	b, err := profiles.ReadFile(path.Base(s.Seccomp))
	if err != nil {
		return "", fmt.Errorf("specimen %s: seccomp profile: %w", s.Name, err)
	}
	return string(b), nil
}

// Specimens returns every specimen, sorted by name.
func Specimens() []Specimen {
	out := append([]Specimen(nil), specimens...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupSpecimen returns the specimen called name.
func LookupSpecimen(name string) (Specimen, error) {
	for _, s := range specimens {
		if s.Name == name {
			return s, nil
		}
	}
	return Specimen{}, fmt.Errorf("no specimen %q", name)
}

// Targets returns every Dockerfile target the lab builds: each specimen's and
// the agent's.
func Targets() []string {
	var out []string
	for _, s := range Specimens() {
		out = append(out, s.Name)
	}
	return append(out, AgentTarget)
}
