// Package report keeps experiment records on disk and renders reports from
// them: every report is a pure function of the records, so it can be redrawn
// without running anything again.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/serverlab/serverlab/harness/experiment"
)

// PartialDir is where, under a results folder, records of partial runs go
// (lab run --preset): they never replace a complete record.
const PartialDir = "partial"

// Path is where rec is stored under dir: dir/<experiment>.json, or for a
// partial run dir/partial/<experiment>.<preset>+<preset>.json.
func Path(dir string, rec experiment.Record) string {
	if rec.Partial() {
		return filepath.Join(dir, PartialDir, rec.Experiment.Name+"."+strings.Join(rec.Presets, "+")+".json")
	}
	return filepath.Join(dir, rec.Experiment.Name+".json")
}

// Write stores rec at Path(dir, rec) atomically: a temporary file, synced,
// then renamed over the old one, so that an interrupted run leaves either
// the previous record or the new one, never half of one. Files take the
// owner of dir, so that a run inside a root container leaves results the
// user can edit.
func Write(dir string, rec experiment.Record) (string, error) {
	path := Path(dir, rec)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", rec.Experiment.Name, err)
	}
	return path, writeAtomic(path, append(b, '\n'))
}

func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		if errors.Is(err, syscall.ENOSPC) {
			return fmt.Errorf("write %s: the disk is full (free some space, or write elsewhere with --out): %w", path, syscall.ENOSPC)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	matchOwner(tmp.Name(), dir)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	return nil
}

// matchOwner gives path the owner of dir, when we are root and they differ.
func matchOwner(path, dir string) {
	if os.Geteuid() != 0 {
		return
	}
	if fi, err := os.Stat(dir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 {
			_ = os.Chown(path, int(st.Uid), int(st.Gid))
		}
	}
}

// Skipped is a JSON file among the records that is not one.
type Skipped struct {
	Path   string
	Reason string
}

// ErrNoRecords means a folder holds no record to draw from.
var ErrNoRecords = errors.New("no records")

// Read loads every complete record in dir, in the suite's order (unknown
// experiments last, by name). A file that is not a record (cut short,
// corrupt, or some other JSON) is skipped and listed, never fatal, but for
// the stability tables (StabilityFiles), which are left alone; a folder
// without any record is ErrNoRecords.
func Read(dir string) ([]experiment.Record, []Skipped, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	var recs []experiment.Record
	var skipped []Skipped
	for _, p := range paths {
		if isStabilityFile(p) {
			continue // repeated runs' agreement, beside the records: no record, and known
		}
		r, err := ReadFile(p)
		var bad errNotRecord
		switch {
		case errors.As(err, &bad):
			skipped = append(skipped, Skipped{p, bad.reason})
		case err != nil:
			return nil, nil, err
		default:
			recs = append(recs, r)
		}
	}
	if len(recs) == 0 {
		return nil, skipped, fmt.Errorf("%w in %s", ErrNoRecords, dir)
	}
	order := map[string]int{}
	for i, e := range experiment.Suite() {
		order[e.Name] = i + 1
	}
	sort.SliceStable(recs, func(i, j int) bool {
		oi, oj := order[recs[i].Experiment.Name], order[recs[j].Experiment.Name]
		if oi == 0 || oj == 0 {
			return oi != 0 || (oj == 0 && recs[i].Experiment.Name < recs[j].Experiment.Name)
		}
		return oi < oj
	})
	return recs, skipped, nil
}

// errNotRecord is a file that holds no record, and why.
type errNotRecord struct{ path, reason string }

func (e errNotRecord) Error() string { return e.path + ": " + e.reason }

// ReadFile loads the record at path: an error when the file cannot be
// read, or holds no record (cut short, corrupt, some other JSON).
func ReadFile(path string) (experiment.Record, error) {
	var r experiment.Record
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	switch {
	case !json.Valid(b):
		return r, errNotRecord{path, "not JSON: a record cut short, or corrupt"}
	case json.Unmarshal(b, &r) != nil || r.Experiment.Name == "" || r.Verdict.Outcome == "":
		return r, errNotRecord{path, "JSON, but not an experiment's record"}
	}
	return r, nil
}

// WriteReport writes b to path atomically.
func WriteReport(path string, b []byte) error { return writeAtomic(path, b) }
