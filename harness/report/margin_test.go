package report

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/serverlab/serverlab/harness/experiment"
)

func TestFormatMargin(t *testing.T) {
	tests := []struct {
		op   experiment.Op
		m    float64
		want string
	}{
		// An == that holds exactly says so.
		{"==", 0, "0 (exact)"},
		// On the threshold of a non-strict op: zero, no sign.
		{">=", 0, "0"},
		// Held, about three significant digits, signed.
		{"<=", 0.15, "+0.15"},
		{"<=", 0.498035664, "+0.498"},
		// Failed: a minus sign.
		{"==", -3, "−3"},
		{">=", -0.0123456, "−0.0123"},
		// Large margins in plain digits, as req/s are.
		{">=", 12345.6, "+12300"},
		// Tiny ones in exponents.
		{"<", 0.0000123, "+1.23e-05"},
		// Huge ones too.
		{">", 3.2e9, "+3.2e+09"},
		// A margin that could not be worked out.
		{"==", math.NaN(), "?"},
	}
	for _, tt := range tests {
		if got := formatMargin(tt.op, tt.m); got != tt.want {
			t.Errorf("formatMargin(%q, %g): got %q, want %q", tt.op, tt.m, got, tt.want)
		}
	}
}

// TestMarginFromValues: the margin column is worked out from the values
// drawn, so a record that stores no margin, or a stale one, shows the
// margin of the values beside it.
func TestMarginFromValues(t *testing.T) {
	rec := zombiesRecord(t)
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	// As an older lab wrote it: no margin anywhere.
	old := strings.NewReplacer(`,"margin":0`, "", `,"margin":-1`, "").Replace(string(b))
	if strings.Contains(old, `"margin"`) {
		t.Fatalf("the fixture still stores a margin: %s", old)
	}
	var read experiment.Record
	if err := json.Unmarshal([]byte(old), &read); err != nil {
		t.Fatal(err)
	}
	// And a value changed after judging: its stored margin is stale.
	for i, c := range read.Checks {
		if c.Check.String() == "3c: zombies == 20 in every trial" {
			read.Checks[i].Values[0].Value, read.Checks[i].Held = 17, false
		}
	}
	md := string(Markdown([]experiment.Record{read}, nil))
	for _, want := range []string{
		"| `3c: outcome(replied) == 20 in every trial` | 20 | 0 (exact) | yes |",
		"| `3c: zombies == 20 in every trial` | 17 | −3 | **no** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("got no %q in\n%s", want, md)
		}
	}
}

// TestCommitLine: one commit is named in full; several are flagged, each
// with the experiments made at it.
func TestCommitLine(t *testing.T) {
	at := func(r experiment.Record, commit string) experiment.Record {
		r.Environment.LabCommit = commit
		return r
	}
	tests := []struct {
		name string
		recs []experiment.Record
		want string
	}{
		// One run: one commit.
		{"one", []experiment.Record{at(zombiesRecord(t), "7cf65974860010d24a0f0a50c2624213c58b7926"), at(headOfLineRecord(t), "7cf65974860010d24a0f0a50c2624213c58b7926")},
			"Every record was made at lab commit `7cf65974860010d24a0f0a50c2624213c58b7926`."},
		// Records rerun apart: flagged, each commit with its experiments.
		{"several", []experiment.Record{at(headOfLineRecord(t), "7cf65974860010d24a0f0a50c2624213c58b7926"), at(backlogRecord(t), "8ed4b420a53c923c0ba3f2331643a2637db5ab68"),
			at(zombiesRecord(t), "7cf65974860010d24a0f0a50c2624213c58b7926")},
			"**The records were made at 2 lab commits, not one:** `7cf659748600` (head-of-line, zombies); `8ed4b420a53c` (backlog)."},
		// A record that does not say is its own, unknown commit.
		{"unknown", []experiment.Record{at(zombiesRecord(t), ""), at(headOfLineRecord(t), "7cf65974860010d24a0f0a50c2624213c58b7926")},
			"**The records were made at 2 lab commits, not one:** `unknown commit` (zombies); `7cf659748600` (head-of-line)."},
	}
	for _, tt := range tests {
		if md := string(Markdown(tt.recs, nil)); !strings.Contains(md, tt.want+"\n") {
			t.Errorf("%s: got no %q in the header:\n%s", tt.name, tt.want, md[:min(len(md), 600)])
		}
		page := string(HTML(tt.recs, nil))
		if flagged := strings.Contains(page, `<p class="commits problem">`); flagged != (tt.name != "one") {
			t.Errorf("%s: got the page's commit line flagged %v, want %v", tt.name, flagged, tt.name != "one")
		}
	}
}
