package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitHead reads the checked-out commit of a repository, of a detached
// head, and of a worktree (whose .git is a file), as git itself says.
func TestGitHead(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=lab", "-c", "user.email=lab@localhost"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	repo := t.TempDir()
	git(repo, "init", "-q")
	if err := os.WriteFile(filepath.Join(repo, "f"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(repo, "add", "f")
	git(repo, "commit", "-q", "-m", "one")
	first := git(repo, "rev-parse", "HEAD")
	git(repo, "commit", "-q", "--allow-empty", "-m", "two")
	second := git(repo, "rev-parse", "HEAD")
	tree := filepath.Join(t.TempDir(), "tree")
	git(repo, "worktree", "add", "-q", "--detach", tree, first)
	git(repo, "pack-refs", "--all") // the branch's ref only in packed-refs
	wt := filepath.Join(t.TempDir(), "branch")
	git(repo, "worktree", "add", "-q", "-b", "other", wt, first)
	tests := []struct{ name, dir, want string }{
		// the repository, its branch's ref packed
		{"repository", repo, second},
		// a worktree on a detached head
		{"detached worktree", tree, first},
		// a worktree on a branch of its own
		{"branch worktree", wt, first},
		// no repository at all
		{"none", t.TempDir(), ""},
	}
	for _, tt := range tests {
		if got := gitHead(tt.dir); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
