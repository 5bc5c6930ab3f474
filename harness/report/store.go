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
	"syscall"

	"github.com/serverlab/serverlab/harness/experiment"
)

// Write stores rec as dir/<experiment>.json atomically: a temporary file,
// synced, then renamed over the old one, so that an interrupted run leaves
// either the previous record or the new one, never half of one. Files take
// the owner of dir, so that a run inside a root container leaves results the
// user can edit.
func Write(dir string, rec experiment.Record) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", rec.Experiment.Name, err)
	}
	path := filepath.Join(dir, rec.Experiment.Name+".json")
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

// Read loads every record in dir, in the seed's order (unknown experiments
// last, by name).
func Read(dir string) ([]experiment.Record, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var recs []experiment.Record
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("read %s: not JSON: a record cut short?", p)
		}
		var r experiment.Record
		if err := json.Unmarshal(b, &r); err != nil {
			continue // JSON, but not a record: some other file
		}
		if r.Experiment.Name == "" {
			continue // some other JSON file
		}
		recs = append(recs, r)
	}
	if len(recs) == 0 {
		return nil, errors.Join(fmt.Errorf("no records in %s", dir), os.ErrNotExist)
	}
	order := map[string]int{}
	for i, e := range experiment.Seed() {
		order[e.Name] = i + 1
	}
	sort.SliceStable(recs, func(i, j int) bool {
		oi, oj := order[recs[i].Experiment.Name], order[recs[j].Experiment.Name]
		if oi == 0 || oj == 0 {
			return oi != 0 || (oj == 0 && recs[i].Experiment.Name < recs[j].Experiment.Name)
		}
		return oi < oj
	})
	return recs, nil
}

// WriteReport writes b to path atomically.
func WriteReport(path string, b []byte) error { return writeAtomic(path, b) }
