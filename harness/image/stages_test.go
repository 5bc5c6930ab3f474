package image

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/catalogue"
)

// repoDockerfile parses the repository's Dockerfile.
func repoDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := parseStages(b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestChainsOfTheLab: the lab's targets fall into three chains that share
// no stage, Go, C and Python, each in the catalogue's order.
func TestChainsOfTheLab(t *testing.T) {
	d := repoDockerfile(t)
	chains, err := d.chains(catalogue.Targets())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range chains {
		s := slices.Clone(c)
		slices.Sort(s)
		got = append(got, strings.Join(s, " "))
	}
	slices.Sort(got)
	want := []string{
		"epoll forking iterative prefork select threads uring",
		"goroutines lab",
		"gunicorn wsgi",
	}
	if !slices.Equal(got, want) {
		t.Errorf("chains %q, want %q", got, want)
	}
}

// TestPruneKeepsWhatATargetNeeds: a target's Dockerfile holds the global
// ARGs, its own stage and those it builds FROM or COPYs from, in the
// file's order, and nothing else.
func TestPruneKeepsWhatATargetNeeds(t *testing.T) {
	d := repoDockerfile(t)
	for _, tt := range []struct {
		target string
		stages []string
	}{
		{"gunicorn", []string{"wsgi", "gunicorn"}},
		{"epoll", []string{"build-c", "epoll"}},
		{"lab", []string{"src-go", "build-go", "lab"}},
	} {
		b, err := d.prune(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		p, err := parseStages(b)
		if err != nil {
			t.Fatalf("%s: the pruned Dockerfile does not parse: %v", tt.target, err)
		}
		var names []string
		for _, s := range p.stages {
			names = append(names, s.name)
		}
		if !slices.Equal(names, tt.stages) {
			t.Errorf("%s: stages %v, want %v", tt.target, names, tt.stages)
		}
		for _, arg := range []string{"ARG BUILDER=", "ARG PYTHON_IMAGE=", "ARG BUILDPLATFORM"} {
			if !strings.Contains(string(b), arg) {
				t.Errorf("%s: the global %s is gone", tt.target, arg)
			}
		}
	}
}

// TestParseStages: a FROM inside a continued RUN starts no stage; COPY
// --from of an earlier stage, a FROM of one, and a case-insensitive AS are
// needs; a FROM of an image is not; a target no stage names is an error.
func TestParseStages(t *testing.T) {
	src := "ARG BASE=debian\n" +
		"FROM ${BASE} as One\n" +
		"RUN echo \\\n  FROM nothing AS two\n" +
		"FROM scratch AS two\n" +
		"COPY --from=one /a /a\n" +
		"FROM one AS three\n" +
		"FROM debian AS four\n" +
		"COPY --from=debian:12 /etc /etc\n"
	d, err := parseStages([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range d.stages {
		got = append(got, s.name+":"+strings.Join(s.needs, ","))
	}
	want := []string{"one:", "two:one", "three:one", "four:"}
	if !slices.Equal(got, want) {
		t.Errorf("stages %q, want %q", got, want)
	}
	chains, err := d.chains([]string{"four", "two", "three"})
	if err != nil {
		t.Fatal(err)
	}
	if len(chains) != 2 || !slices.Equal(chains[1], []string{"two", "three"}) {
		t.Errorf("chains %q, want [four] and [two three]", chains)
	}
	if _, err := d.prune("five"); err == nil {
		t.Error("prune of a stage no FROM names: no error")
	}
	if _, err := parseStages([]byte("# nothing\n")); err == nil {
		t.Error("a Dockerfile with no FROM: no error")
	}
}
