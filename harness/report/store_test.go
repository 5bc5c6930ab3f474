package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
)

func TestWriteRead(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results", "new") // Write creates it
	want := zombiesRecord(t)
	path, err := Write(dir, want)
	if err != nil {
		t.Fatal(err)
	}
	if wantPath := filepath.Join(dir, "zombies.json"); path != wantPath {
		t.Errorf("Write: got path %s, want %s", path, wantPath)
	}
	got, skipped, err := Read(dir)
	if err != nil || len(skipped) > 0 {
		t.Fatal(err, skipped)
	}
	if len(got) != 1 || !sameJSON(got[0], want) {
		t.Errorf("Read: got %+v, want the record written %+v", got, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("Write: got %v, %v; want mode 0644", fi.Mode(), err)
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "zombies.json")
	// A longer file in the way, as an older, bigger record would be.
	old := bytes.Repeat([]byte("x"), 1<<20)
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	rec := zombiesRecord(t)
	if _, err := Write(dir, rec); err != nil {
		t.Fatal(err)
	}
	want, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(want, '\n')) {
		t.Errorf("Write over a longer file: got %d bytes, want the record's %d and nothing of the old file", len(got), len(want)+1)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"zombies.json"}) {
		t.Errorf("Write: got %v in the directory, want only zombies.json (no temporary file)", names)
	}
	// A directory that cannot be created: an error, and nothing left behind.
	if _, err := Write(filepath.Join(path, "sub"), rec); err == nil {
		t.Errorf("Write under a file: got no error, want one")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"zombies.json"}) {
		t.Errorf("failed Write: got %v in the directory, want only zombies.json", names)
	}
	// A rename that fails, over a directory: its temporary file is removed.
	blocked := t.TempDir()
	if err := os.MkdirAll(filepath.Join(blocked, "zombies.json", "in-the-way"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(blocked, rec); err == nil {
		t.Errorf("Write over a directory: got no error, want one")
	}
	if names := dirNames(t, blocked); !slices.Equal(names, []string{"zombies.json"}) {
		t.Errorf("failed rename: got %v in the directory, want no temporary file left", names)
	}
}

func TestReadOrder(t *testing.T) {
	tests := []struct {
		name  string
		write []string
		want  []string
	}{
		// The seed's order, whatever the files' names.
		{"seed", []string{"sigchld-coalescing", "hello", "zombies", "backlog"},
			[]string{"hello", "backlog", "zombies", "sigchld-coalescing"}},
		// Unknown experiments last, by name.
		{"unknown last", []string{"zz-extra", "eintr", "aa-extra", "head-of-line"},
			[]string{"head-of-line", "eintr", "aa-extra", "zz-extra"}},
		// Only unknown ones: by name.
		{"only unknown", []string{"b", "c", "a"}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		for _, name := range tt.write {
			rec := experiment.Record{Experiment: experiment.Experiment{Name: name}, Verdict: experiment.Verdict{Outcome: experiment.Reproduced}}
			if _, err := Write(dir, rec); err != nil {
				t.Fatal(err)
			}
		}
		recs, _, err := Read(dir)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, r.Experiment.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestReadOthers(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // beside one record
		skipped []string          // the files reported and skipped
	}{
		// A JSON object that is not a record is skipped, and said so.
		{"other object", map[string]string{"package.json": `{"name": "serverlab"}`}, []string{"package.json"}},
		// Files that are not .json are not read at all.
		{"not json", map[string]string{"REPORT.md": "# report", "notes.json.txt": "{"}, nil},
		// A record cut short is skipped and said so, not fatal.
		{"truncated record", map[string]string{"backlog.json": `{"experiment": {"name": "backlog"`}, []string{"backlog.json"}},
		// JSON that is not an object is not a record either.
		{"other array", map[string]string{"list.json": `["hello", "zombies"]`}, []string{"list.json"}},
		// An experiment's record without a verdict was never judged.
		{"unjudged", map[string]string{"eintr.json": `{"experiment": {"name": "eintr"}}`}, []string{"eintr.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Write(dir, zombiesRecord(t)); err != nil {
				t.Fatal(err)
			}
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			recs, skipped, err := Read(dir)
			if err != nil || len(recs) != 1 {
				t.Errorf("got %d records, %v; want the one record", len(recs), err)
			}
			var got []string
			for _, s := range skipped {
				got = append(got, filepath.Base(s.Path))
				if s.Reason == "" {
					t.Errorf("skipped %s without a reason", s.Path)
				}
			}
			if !slices.Equal(got, tt.skipped) {
				t.Errorf("skipped %v, want %v", got, tt.skipped)
			}
		})
	}
}

// TestWritePartial: a run of some arms only never replaces the complete
// record, and Read leaves it out.
func TestWritePartial(t *testing.T) {
	dir := t.TempDir()
	whole := zombiesRecord(t)
	if _, err := Write(dir, whole); err != nil {
		t.Fatal(err)
	}
	part := zombiesRecord(t)
	part.Presets = []string{"webserver3g"}
	path, err := Write(dir, part)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, PartialDir, "zombies.webserver3g.json"); path != want {
		t.Errorf("got path %s, want %s", path, want)
	}
	recs, _, err := Read(dir)
	if err != nil || len(recs) != 1 || recs[0].Partial() {
		t.Fatalf("got %d records (%v), want the complete one only", len(recs), err)
	}
	if !sameJSON(recs[0], whole) {
		t.Errorf("the complete record changed after a partial run")
	}
}

func TestReadNone(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
	}{
		// An empty directory.
		{"empty", nil},
		// JSON, but no record.
		{"no record", map[string]string{"package.json": `{"name": "serverlab"}`}},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		for name, content := range tt.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if recs, _, err := Read(dir); !errors.Is(err, ErrNoRecords) {
			t.Errorf("%s: got %d records, %v; want ErrNoRecords", tt.name, len(recs), err)
		}
	}
	// A directory that does not exist.
	if _, _, err := Read(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, ErrNoRecords) {
		t.Errorf("absent: got %v, want ErrNoRecords", err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// started is when every test record was made.
var started = time.Date(2026, 11, 26, 2, 41, 0, 0, time.UTC)

// TestWriteDiskFull writes a record onto a filesystem too small for it: one
// line that says the disk is full and what to do, the older record intact,
// and no half-written file left. It needs root to mount a small tmpfs.
func TestWriteDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount a tmpfs: %v: %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	small := zombiesRecord(t)
	small.Trials = nil
	if _, err := Write(dir, small); err != nil {
		t.Fatalf("a small record: %v", err)
	}
	big := zombiesRecord(t)
	big.Trials[0].Logs = make([]string, 20000) // some 200 KB of JSON: more than the disk holds
	for i := range big.Trials[0].Logs {
		big.Trials[0].Logs[i] = "accept fd=4"
	}
	_, err := Write(dir, big)
	if err == nil || !strings.Contains(err.Error(), "the disk is full") || !errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v, want one line saying the disk is full", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"zombies.json"}) {
		t.Errorf("left %v, want the older record only", names)
	}
	recs, _, err := Read(dir)
	if err != nil || len(recs) != 1 || len(recs[0].Trials) != 0 {
		t.Errorf("the older record: %d records, %v; want it whole", len(recs), err)
	}
}

// sameJSON says whether a and b write the same JSON: how records compare,
// since a check's metric binds a function, which reflect.DeepEqual cannot.
func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
