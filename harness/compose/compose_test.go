package compose_test

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/compose"
)

// committed is the compose file at the repository root.
const committed = "../../compose.yaml"

func TestComposeMatchesCommittedFile(t *testing.T) {
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	got := compose.Compose(catalogue.Presets(), catalogue.DefaultBuilder, catalogue.DefaultPythonImage)
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w || i >= len(gl) || i >= len(wl) {
			t.Fatalf("compose.yaml is stale: line %d is %q, the catalogue gives %q;\n"+
				"run `go run ./harness/cmd/lab compose > compose.yaml`", i+1, w, g)
		}
	}
}

// composeFile is the part of the compose schema the generator writes.
type composeFile struct {
	Services map[string]service `yaml:"services"`
}

type service struct {
	Profiles []string `yaml:"profiles"`
	Image    string   `yaml:"image"`
	Build    struct {
		Context string            `yaml:"context"`
		Target  string            `yaml:"target"`
		Args    map[string]string `yaml:"args"`
	} `yaml:"build"`
	Command         []string          `yaml:"command"`
	User            string            `yaml:"user"`
	Ports           []string          `yaml:"ports"`
	Ulimits         map[string]ulimit `yaml:"ulimits"`
	PidsLimit       int64             `yaml:"pids_limit"`
	CPUs            float64           `yaml:"cpus"`
	MemLimit        string            `yaml:"mem_limit"`
	MemswapLimit    string            `yaml:"memswap_limit"`
	ReadOnly        bool              `yaml:"read_only"`
	CapDrop         []string          `yaml:"cap_drop"`
	SecurityOpt     []string          `yaml:"security_opt"`
	StopGracePeriod string            `yaml:"stop_grace_period"`
	WorkingDir      string            `yaml:"working_dir"`
	Environment     map[string]string `yaml:"environment"`
	Volumes         []string          `yaml:"volumes"`
	PullPolicy      string            `yaml:"pull_policy"`
}

type ulimit struct {
	Soft int64 `yaml:"soft"`
	Hard int64 `yaml:"hard"`
}

// parse decodes a compose file, refusing keys the schema above lacks, so
// that a misspelt key (pid_limit) fails rather than vanishes.
func parse(t *testing.T, b []byte) composeFile {
	t.Helper()
	var f composeFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("parse compose file: %v", err)
	}
	return f
}

// wantService is the service a preset must become.
func wantService(p catalogue.Preset, builder string) service {
	l := p.Limits
	var s service
	s.Profiles = []string{compose.Profile}
	s.Image = catalogue.Image(p.Specimen)
	s.Build.Context = "."
	s.Build.Target = p.Specimen
	s.Build.Args = map[string]string{"BUILDER": "${LAB_BUILDER:-" + builder + "}",
		"PYTHON_IMAGE": "${LAB_PYTHON_IMAGE:-" + catalogue.DefaultPythonImage + "}"}
	s.Command = p.Command()
	s.User = fmt.Sprintf("%d:%d", l.UID, l.UID)
	s.Ports = []string{fmt.Sprintf("127.0.0.1:%d:%d", p.PlayPort, catalogue.Port)}
	s.Ulimits = map[string]ulimit{"nofile": {l.NoFile, l.NoFile}, "nproc": {l.NProc, l.NProc}}
	s.PidsLimit = l.Pids
	s.CPUs = l.CPUs
	s.MemLimit = fmt.Sprintf("%dm", l.Memory>>20)
	s.MemswapLimit = s.MemLimit // no swap: the memory limit is the whole limit
	s.ReadOnly = true
	s.CapDrop = []string{"ALL"}
	s.SecurityOpt = []string{"no-new-privileges:true"}
	if spec, err := catalogue.LookupSpecimen(p.Specimen); err == nil && spec.Seccomp != "" {
		// the profile the harness runs it with, which compose reads from the file
		s.SecurityOpt = append(s.SecurityOpt, "seccomp=./"+spec.Seccomp)
	}
	s.StopGracePeriod = "2s"
	return s
}

func TestComposeServices(t *testing.T) {
	generated := compose.Compose(catalogue.Presets(), catalogue.DefaultBuilder, catalogue.DefaultPythonImage)
	onDisk, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		yaml []byte
	}{
		// what the catalogue renders now
		{"generated", generated},
		// what the playground runs from
		{"compose.yaml", onDisk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parse(t, tt.yaml)
			presets := catalogue.Presets()
			if len(f.Services) != len(presets)+1 {
				t.Errorf("%d services, want the lab and one per preset: %d", len(f.Services), len(presets)+1)
			}
			for _, p := range presets {
				got, ok := f.Services[p.Name]
				if !ok {
					t.Errorf("no service %s", p.Name)
					continue
				}
				if want := wantService(p, catalogue.DefaultBuilder); !reflect.DeepEqual(got, want) {
					t.Errorf("service %s\n got %+v\nwant %+v", p.Name, got, want)
				}
			}
		})
	}
}

// TestComposeRoundTrip checks that what the generator writes reads back as
// the preset it came from, for presets the catalogue does not (yet) hold.
func TestComposeRoundTrip(t *testing.T) {
	base := catalogue.Presets()[0]
	with := func(f func(*catalogue.Preset)) catalogue.Preset {
		p := base
		p.Args = append([]string(nil), base.Args...)
		f(&p)
		return p
	}
	tests := []struct {
		name    string
		preset  catalogue.Preset
		builder string
	}{
		// args YAML would misread unquoted: flow punctuation, quotes, a colon
		{"awkward args", with(func(p *catalogue.Preset) {
			p.Name = "awkward"
			p.Args = []string{"--msg", `say "hi", ok: [x] {y} # z`, `back\slash`, "tab\there", "ünï"}
		}), catalogue.DefaultBuilder},
		// no args at all: only the port
		{"no args", with(func(p *catalogue.Preset) { p.Name = "bare"; p.Args = nil }), catalogue.DefaultBuilder},
		// a fraction of a core and other limits
		{"other limits", with(func(p *catalogue.Preset) {
			p.Name = "small"
			p.Limits.CPUs, p.Limits.Memory, p.Limits.NoFile, p.Limits.Pids = 0.25, 64<<20, 64, 32
		}), catalogue.DefaultBuilder},
		// the offline builder ends up in the default of $LAB_BUILDER
		{"offline builder", with(func(p *catalogue.Preset) { p.Name = "offline" }), "serverlab/builder:offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parse(t, compose.Compose([]catalogue.Preset{tt.preset}, tt.builder, catalogue.DefaultPythonImage))
			got, ok := f.Services[tt.preset.Name]
			if _, lab := f.Services["lab"]; !ok || !lab || len(f.Services) != 2 {
				t.Fatalf("services %v, want lab and %s", f.Services, tt.preset.Name)
			}
			if want := wantService(tt.preset, tt.builder); !reflect.DeepEqual(got, want) {
				t.Errorf("service %s\n got %+v\nwant %+v", tt.preset.Name, got, want)
			}
		})
	}
}

// TestComposeLab checks the service `docker compose up` runs: no profile (so
// it is the only one that starts), the suite as its command, the engine's
// socket and the repository mounted, the builder passed through.
func TestComposeLab(t *testing.T) {
	f := parse(t, compose.Compose(catalogue.Presets(), catalogue.DefaultBuilder, catalogue.DefaultPythonImage))
	lab, ok := f.Services["lab"]
	if !ok {
		t.Fatal("no lab service")
	}
	var want service
	// Not the agent's tag: the harness in this container builds that one.
	want.Image = compose.LabImage
	want.PullPolicy = "build" // compose v2: rebuilt on every up, so never stale
	want.Build.Context = "."
	want.Build.Target = catalogue.AgentTarget
	want.Build.Args = map[string]string{"BUILDER": "${LAB_BUILDER:-" + catalogue.DefaultBuilder + "}",
		"PYTHON_IMAGE": "${LAB_PYTHON_IMAGE:-" + catalogue.DefaultPythonImage + "}"}
	want.Command = []string{"run"}
	want.User = "0:0"
	want.WorkingDir = "/src"
	want.Environment = map[string]string{"LAB_BUILDER": "${LAB_BUILDER:-" + catalogue.DefaultBuilder + "}",
		"LAB_PYTHON_IMAGE": "${LAB_PYTHON_IMAGE:-" + catalogue.DefaultPythonImage + "}",
		"LAB_EXPERIMENTS":  "${LAB_EXPERIMENTS:-}", "LAB_NO_BUILD": "${LAB_NO_BUILD:-}",
		"LAB_ACCEL": "${LAB_ACCEL:-}"}
	want.Volumes = []string{"/var/run/docker.sock:/var/run/docker.sock", ".:/src"}
	want.StopGracePeriod = "30s"
	if !reflect.DeepEqual(lab, want) {
		t.Errorf("lab service\n got %+v\nwant %+v", lab, want)
	}
	if lab.Image == catalogue.Image(catalogue.AgentTarget) {
		t.Errorf("the lab service's image is the agent's tag %s: compose and the harness would untag each other's builds", lab.Image)
	}
	for name, s := range f.Services {
		if name != "lab" && len(s.Profiles) == 0 {
			t.Errorf("service %s has no profile: docker compose up would start it with the suite", name)
		}
	}
}
