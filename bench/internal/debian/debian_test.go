package debian

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestMissing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", dir) // a PATH with wrk alone on it
	if err := os.WriteFile(filepath.Join(dir, "wrk"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	needs := []Need{
		{Program: "wrk", Packages: []string{"wrk"}}, // there: not installed
		{Program: "cc", Packages: []string{"gcc", "libc6-dev"}},
		{Program: "make", Packages: []string{"make"}},
		{Program: "gcc", Packages: []string{"gcc"}}, // a package already named
	}
	programs, pkgs := missing(needs)
	if want := []string{"cc", "make", "gcc"}; !slices.Equal(programs, want) {
		t.Errorf("programs: got %q, want %q", programs, want)
	}
	if want := []string{"gcc", "libc6-dev", "make"}; !slices.Equal(pkgs, want) {
		t.Errorf("packages: got %q, want %q", pkgs, want)
	}
	// Nothing missing: Install returns before apt-get.
	if programs, pkgs := missing(needs[:1]); programs != nil || pkgs != nil {
		t.Errorf("wrk alone: got %q, %q; want nothing", programs, pkgs)
	}
}
