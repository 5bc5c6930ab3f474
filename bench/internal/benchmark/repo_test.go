package benchmark

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestRoot(t *testing.T) {
	root, err := Root(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The tests run in bench/internal/benchmark.
	if _, err := os.Stat(filepath.Join(root, "bench", "internal", "benchmark", "repo.go")); err != nil {
		t.Errorf("Root: got %s, not the repository's root: %v", root, err)
	}
	// Outside any module, there is no root.
	t.Chdir(t.TempDir())
	if got, err := Root(context.Background()); err == nil {
		t.Errorf("outside a module: got %s and no error", got)
	}
}
