package catalogue_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
)

func TestPresetsNameExistingSpecimens(t *testing.T) {
	for _, p := range catalogue.Presets() {
		if _, err := catalogue.LookupSpecimen(p.Specimen); err != nil {
			t.Errorf("preset %s: specimen %q: %v", p.Name, p.Specimen, err)
		}
	}
}

func TestPresetNamesAndPlayPortsUnique(t *testing.T) {
	names := map[string]bool{}
	ports := map[int]string{}
	for _, p := range catalogue.Presets() {
		if p.Name == "" {
			t.Errorf("a preset of specimen %s has no name", p.Specimen)
		}
		if names[p.Name] {
			t.Errorf("preset name %q appears twice", p.Name)
		}
		names[p.Name] = true
		if other, ok := ports[p.PlayPort]; ok {
			t.Errorf("presets %s and %s share play port %d", other, p.Name, p.PlayPort)
		}
		ports[p.PlayPort] = p.Name
	}
}

func TestPlayPortsInRange(t *testing.T) {
	for _, p := range catalogue.Presets() {
		// Below 1024 needs privilege on the host; Port is the specimens'
		// own port, and publishing on it would hide a missing mapping.
		if p.PlayPort < 1024 || p.PlayPort > 65535 || p.PlayPort == catalogue.Port {
			t.Errorf("preset %s: play port %d, want 1024..65535 and not %d", p.Name, p.PlayPort, catalogue.Port)
		}
	}
}

func TestPresetLimitsValidAndUIDsDistinct(t *testing.T) {
	// RLIMIT_NPROC counts every process of a UID host-wide: two presets
	// sharing a UID would count each other's children against their limit.
	uids := map[int]string{}
	for _, p := range catalogue.Presets() {
		if err := p.Limits.Validate(); err != nil {
			t.Errorf("preset %s: limits %v: %v", p.Name, p.Limits, err)
		}
		if p.Limits.UID == 0 {
			t.Errorf("preset %s: uid 0, want a non-root UID", p.Name)
		}
		if other, ok := uids[p.Limits.UID]; ok {
			t.Errorf("presets %s and %s share uid %d", other, p.Name, p.Limits.UID)
		}
		uids[p.Limits.UID] = p.Name
	}
}

func TestPresetArgsNeverSetPort(t *testing.T) {
	for _, p := range catalogue.Presets() {
		for _, a := range p.Args {
			if a == "--port" || strings.HasPrefix(a, "--port=") {
				t.Errorf("preset %s: args %q set the port; Command() adds it", p.Name, p.Args)
			}
		}
	}
}

func TestCommandEndsWithWireAndPort(t *testing.T) {
	for _, p := range catalogue.Presets() {
		want := []string{"--wire", p.Wire, "--port", strconv.Itoa(catalogue.Port)}
		got := p.Command()
		if len(got) != len(p.Args)+4 {
			t.Errorf("preset %s: Command() = %q, want args %q then %q", p.Name, got, p.Args, want)
			continue
		}
		if !slices.Equal(got[:len(p.Args)], p.Args) {
			t.Errorf("preset %s: Command() = %q, want it to start with args %q", p.Name, got, p.Args)
		}
		if tail := got[len(p.Args):]; !slices.Equal(tail, want) {
			t.Errorf("preset %s: Command() ends with %q, want %q", p.Name, tail, want)
		}
	}
}

// TestArticlePresetsSpeakTheSeedWire: the presets named after the article's
// programs answer as they did, so that curl and telnet behave as the
// article says in the playground.
func TestArticlePresetsSpeakTheSeedWire(t *testing.T) {
	for _, p := range catalogue.Presets() {
		if p.Wire != catalogue.WireSeed && p.Wire != catalogue.WireHTTP {
			t.Errorf("preset %s: wire %q, want %s or %s", p.Name, p.Wire, catalogue.WireSeed, catalogue.WireHTTP)
		}
		if p.Article.Source != "" && p.Wire != catalogue.WireSeed {
			t.Errorf("preset %s plays the article's %s: wire %q, want %q", p.Name, p.Article.Source, p.Wire, catalogue.WireSeed)
		}
		for _, a := range p.Args {
			if a == "--wire" {
				t.Errorf("preset %s: args %q set the wire; Command() adds it", p.Name, p.Args)
			}
		}
	}
}

func TestPresetsReturnsCopies(t *testing.T) {
	first := catalogue.Presets()
	first[0].Args[0] = "--mutated"
	first[0].Name = "mutated"
	got := catalogue.Presets()[0]
	if got.Name == "mutated" || got.Args[0] == "--mutated" {
		t.Errorf("Presets()[0] = %s %q after the caller changed its copy, want it unchanged", got.Name, got.Args)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name    string
		lookup  func(string) (string, error)
		arg     string
		wantErr bool
	}{
		// a preset of the seed is found by name
		{"preset known", lookupPreset, "webserver3d", false},
		// an unknown preset is an error, not a zero Preset
		{"preset unknown", lookupPreset, "webserver9", true},
		// lookup is by exact name, not by prefix or case
		{"preset case", lookupPreset, "WebServer3d", true},
		// the empty name matches nothing
		{"preset empty", lookupPreset, "", true},
		// a specimen is found by name
		{"specimen known", lookupSpecimen, "forking", false},
		// an unknown specimen is an error
		{"specimen unknown", lookupSpecimen, "io_uring", true},
		// a preset's name is not a specimen's
		{"specimen preset name", lookupSpecimen, "webserver1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.lookup(tt.arg)
			switch {
			case tt.wantErr && err == nil:
				t.Errorf("lookup(%q) = %q, nil; want an error", tt.arg, got)
			case !tt.wantErr && err != nil:
				t.Errorf("lookup(%q) error %v, want none", tt.arg, err)
			case !tt.wantErr && got != tt.arg:
				t.Errorf("lookup(%q) = %q, want %q", tt.arg, got, tt.arg)
			case tt.wantErr && !strings.Contains(err.Error(), strconv.Quote(tt.arg)):
				t.Errorf("lookup(%q) error %q, want it to name %q", tt.arg, err, tt.arg)
			}
		})
	}
}

func lookupPreset(name string) (string, error) {
	p, err := catalogue.LookupPreset(name)
	return p.Name, err
}

func lookupSpecimen(name string) (string, error) {
	s, err := catalogue.LookupSpecimen(name)
	return s.Name, err
}

func TestLimitsValidate(t *testing.T) {
	with := func(f func(*catalogue.Limits)) catalogue.Limits {
		l := catalogue.DefaultLimits()
		f(&l)
		return l
	}
	tests := []struct {
		name    string
		limits  catalogue.Limits
		wantErr string // a word the error must hold; "" for valid
	}{
		// the defaults are what every preset starts from
		{"defaults", catalogue.DefaultLimits(), ""},
		// the smallest limits that still run a specimen
		{"minimums", catalogue.Limits{NoFile: 16, NProc: 1, Pids: 1, CPUs: 0.01, Memory: 6 << 20, UID: 1}, ""},
		// below 16 descriptors the specimen cannot even listen
		{"nofile 15", with(func(l *catalogue.Limits) { l.NoFile = 15 }), "nofile"},
		// nproc 0 would refuse the specimen's first fork
		{"nproc 0", with(func(l *catalogue.Limits) { l.NProc = 0 }), "nproc"},
		// a negative nproc is no limit Docker takes
		{"nproc negative", with(func(l *catalogue.Limits) { l.NProc = -1 }), "nproc"},
		// pids 0 means "unlimited" to Docker and must not slip through
		{"pids 0", with(func(l *catalogue.Limits) { l.Pids = 0 }), "pids"},
		// a zero CPU quota
		{"cpus 0", with(func(l *catalogue.Limits) { l.CPUs = 0 }), "cpus"},
		// a negative CPU quota
		{"cpus negative", with(func(l *catalogue.Limits) { l.CPUs = -0.5 }), "cpus"},
		// one byte under Docker's 6 MiB floor
		{"memory under 6 MiB", with(func(l *catalogue.Limits) { l.Memory = 6<<20 - 1 }), "memory"},
		// RLIMIT_NPROC does not bind root
		{"uid 0", with(func(l *catalogue.Limits) { l.UID = 0 }), "uid"},
		// a negative UID is nobody
		{"uid negative", with(func(l *catalogue.Limits) { l.UID = -1 }), "uid"},
		// the zero Limits fails on its first field
		{"zero", catalogue.Limits{}, "nofile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.limits.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate(%v) = %v, want nil", tt.limits, err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("Validate(%v) = nil, want an error about %s", tt.limits, tt.wantErr)
			case tt.wantErr != "" && !strings.HasPrefix(err.Error(), tt.wantErr):
				t.Errorf("Validate(%v) = %q, want an error about %s", tt.limits, err, tt.wantErr)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	got := catalogue.Targets()
	want := []string{catalogue.AgentTarget}
	for _, s := range catalogue.Specimens() {
		want = append(want, s.Name)
	}
	if len(got) != len(want) {
		t.Errorf("Targets() = %q, want %d targets: %q", got, len(want), want)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("Targets() = %q, want it to hold %q", got, w)
		}
	}
	if !slices.Contains(got, "lab") {
		t.Errorf("Targets() = %q, want the agent's target \"lab\"", got)
	}
}

func TestSpecimensSortedAndNamed(t *testing.T) {
	got := catalogue.Specimens()
	if len(got) == 0 {
		t.Fatal("Specimens() is empty")
	}
	if !slices.IsSortedFunc(got, func(a, b catalogue.Specimen) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("Specimens() not sorted by name: %v", got)
	}
	for _, s := range got {
		if s.Name == catalogue.AgentTarget {
			t.Errorf("specimen %q shares the agent's Dockerfile target", s.Name)
		}
		if want := catalogue.Image(s.Name); s.Image() != want {
			t.Errorf("specimen %s: Image() = %q, want %q", s.Name, s.Image(), want)
		}
	}
}

// TestWebserver3dLimitsAsArticle checks that 3d runs under the shell limits
// the article sets for it, read from the article's own ulimit line.
func TestWebserver3dLimitsAsArticle(t *testing.T) {
	p, err := catalogue.LookupPreset("webserver3d")
	if err != nil {
		t.Fatal(err)
	}
	var nofile, nproc int64
	for _, cmd := range strings.Split(p.Article.Ulimits, ";") {
		var flag string
		var n int64
		if _, err := fmt.Sscanf(strings.TrimSpace(cmd), "ulimit %s %d", &flag, &n); err != nil {
			t.Fatalf("article ulimits %q: %v", p.Article.Ulimits, err)
		}
		switch flag {
		case "-n":
			nofile = n
		case "-u":
			nproc = n
		}
	}
	tests := []struct {
		name         string
		got, article int64 // the preset's limit, the article's ulimit
		want         int64 // what the article's text says
	}{
		// the article's ulimit -n: EMFILE comes at 256 descriptors
		{"nofile", p.Limits.NoFile, nofile, 256},
		// the article's ulimit -u: zombies exhaust 400 processes
		{"nproc", p.Limits.NProc, nproc, 400},
	}
	for _, tt := range tests {
		if tt.article != tt.want {
			t.Errorf("%s: Article.Ulimits gives %d, want %d", tt.name, tt.article, tt.want)
		}
		if tt.got != tt.article {
			t.Errorf("%s: preset has %d, want the article's %d", tt.name, tt.got, tt.article)
		}
	}
}

// TestPresetDelaysShorterThanArticle checks that the presets shorten the
// seed's sleeps, so that a run takes seconds, and record the seed's own.
func TestPresetDelaysShorterThanArticle(t *testing.T) {
	tests := []struct {
		preset       string
		articleDelay time.Duration
	}{
		// the seed's iterative server sleeps a minute per request
		{"webserver3b", 60 * time.Second},
		// so does its first forking server
		{"webserver3c", 60 * time.Second},
		// the EINTR lesson sleeps 3 s in the seed
		{"webserver3e", 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			p, err := catalogue.LookupPreset(tt.preset)
			if err != nil {
				t.Fatal(err)
			}
			if p.Article.Delay != tt.articleDelay {
				t.Errorf("Article.Delay = %v, want the seed's %v", p.Article.Delay, tt.articleDelay)
			}
			delay := presetDelay(t, p)
			if delay <= 0 || delay >= p.Article.Delay {
				t.Errorf("--delay %v, want a positive delay shorter than the article's %v", delay, p.Article.Delay)
			}
		})
	}
}

// presetDelay returns the preset's --delay, or 0 without one.
func presetDelay(t *testing.T, p catalogue.Preset) time.Duration {
	t.Helper()
	i := slices.Index(p.Args, "--delay")
	if i < 0 {
		return 0
	}
	if i+1 >= len(p.Args) {
		t.Fatalf("preset %s: --delay without a value in %q", p.Name, p.Args)
	}
	d, err := time.ParseDuration(p.Args[i+1])
	if err != nil {
		t.Fatalf("preset %s: --delay %q: %v", p.Name, p.Args[i+1], err)
	}
	return d
}

func ExampleImage() {
	fmt.Println(catalogue.Image("forking"))
	fmt.Println(catalogue.Image(catalogue.AgentTarget))
	// Output:
	// serverlab/forking:dev
	// serverlab/lab:dev
}
