package experiment

import (
	"slices"
	"strings"
	"testing"
)

// TestQuotesHoldToClaims: every quote labelled as the article's names a
// claim of article.txt and stands for it: the same part, place and kind,
// every number and term of the claim, no number it does not give.
func TestQuotesHoldToClaims(t *testing.T) {
	for _, e := range Suite() {
		if e.Seed == nil {
			continue
		}
		if err := e.Seed.Holds(); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
	}
}

// TestQuoteDrift: a quote that drifts from its claim fails, whichever way.
func TestQuoteDrift(t *testing.T) {
	e, err := Lookup("sigchld-coalescing")
	if err != nil {
		t.Fatal(err)
	}
	q := *e.Seed
	tests := []struct {
		name   string
		change func(*Quote)
		want   string
	}{
		{"another flag", func(q *Quote) { q.Words = strings.ReplaceAll(q.Words, "--max-clients", "--max-conns") }, `says "client3.py --max-clients 128"`},
		{"another number", func(q *Quote) { q.Words = strings.ReplaceAll(q.Words, "128", "64") }, "gives 128"},
		{"a number the claim does not give", func(q *Quote) { q.Words += " in 5 trials" }, "the quote gives 5"},
		{"another part", func(q *Quote) { q.Part = 2 }, "part 2"},
		{"code for prose", func(q *Quote) { q.Code = true }, "code true"},
		{"another program", func(q *Quote) { q.Source = "webserver3d.py" }, `"webserver3d.py"`},
		{"no claim", func(q *Quote) { q.Claim = "part3-nothing" }, "no claim"},
	}
	for _, tt := range tests {
		c := q
		tt.change(&c)
		if err := c.Holds(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	got := Numbers("webserver3d.py with ulimit -n 256, HTTP/1.1 200 and --max-clients=300, 256 again")
	if want := []string{"256", "1.1", "200", "300"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestClaimsFile: article.txt parses, refuses a malformed line, and each
// of its claims is quoted by an experiment.
func TestClaimsFile(t *testing.T) {
	if _, err := parseClaims("a | 4 | x | prose | y"); err == nil {
		t.Error("part 4: got no error")
	}
	if _, err := parseClaims("a | 1 | x | poetry | y"); err == nil {
		t.Error("kind poetry: got no error")
	}
	if _, err := parseClaims("a | 1 | x | prose | y\na | 1 | x | prose | z"); err == nil {
		t.Error("a claim twice: got no error")
	}
	quoted := map[string]bool{}
	for _, e := range Suite() {
		if e.Seed != nil {
			quoted[e.Seed.Claim] = true
		}
	}
	for _, c := range Claims() {
		if !quoted[c.ID] {
			t.Errorf("claim %s: no experiment quotes it", c.ID)
		}
	}
}
