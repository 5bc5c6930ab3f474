package experiment

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Claim is one claim of the article, as the lab paraphrases it
// (article.txt): what the experiments' quotes stand for.
type Claim struct {
	ID    string
	Part  int
	Where string // the program or the passage
	Code  bool   // a claim of the programs' code, not of the prose
	Says  string // the lab's paraphrase, with the article's numbers and `terms`
}

//go:embed article.txt
var articleText string

// claims is article.txt, read once.
var claims = mustParseClaims(articleText)

// Claims returns the article's claims, in the file's order.
func Claims() []Claim { return append([]Claim(nil), claims...) }

// LookupClaim returns the claim called id.
func LookupClaim(id string) (Claim, error) {
	for _, c := range claims {
		if c.ID == id {
			return c, nil
		}
	}
	return Claim{}, fmt.Errorf("no claim %q in article.txt", id)
}

func mustParseClaims(text string) []Claim {
	cs, err := parseClaims(text)
	if err != nil {
		panic(err)
	}
	return cs
}

// parseClaims reads the claims file: "id | part | where | prose or code |
// claim" a line, # for comments.
func parseClaims(text string) ([]Claim, error) {
	var out []Claim
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, " | ")
		if len(f) != 5 {
			return nil, fmt.Errorf("article.txt:%d: %d fields, want id | part | where | prose or code | claim", i+1, len(f))
		}
		part, err := strconv.Atoi(f[1])
		if err != nil || part < 1 || part > 3 {
			return nil, fmt.Errorf("article.txt:%d: part %q, want 1, 2 or 3", i+1, f[1])
		}
		if f[3] != "prose" && f[3] != "code" {
			return nil, fmt.Errorf("article.txt:%d: %q, want prose or code", i+1, f[3])
		}
		if seen[f[0]] {
			return nil, fmt.Errorf("article.txt:%d: claim %q twice", i+1, f[0])
		}
		seen[f[0]] = true
		out = append(out, Claim{ID: f[0], Part: part, Where: f[2], Code: f[3] == "code", Says: f[4]})
	}
	return out, nil
}

// numberRE finds the numbers a text gives: 60, 1024, 1.1, not the 3 of
// webserver3d.
var numberRE = regexp.MustCompile(`(^|[^\w.])(\d+(\.\d+)?)\b`)

// Numbers returns the numbers a text gives, each once, in order.
func Numbers(text string) []string {
	var out []string
	for _, m := range numberRE.FindAllStringSubmatch(text, -1) {
		if n := m[2]; !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// Terms returns the claim's backquoted terms, which a quote must keep.
func (c Claim) Terms() []string {
	var out []string
	parts := strings.Split(c.Says, "`")
	for i := 1; i < len(parts); i += 2 {
		out = append(out, parts[i])
	}
	return out
}

// Holds says why q does not stand for the claim it names, or nil: the same
// part, place and kind, every number and term of the claim in its words,
// and no number the claim does not give.
func (q Quote) Holds() error {
	c, err := LookupClaim(q.Claim)
	if err != nil {
		return err
	}
	switch {
	case q.Part != c.Part:
		return fmt.Errorf("quote of part %d, claim %s of part %d", q.Part, c.ID, c.Part)
	case q.Source != c.Where:
		return fmt.Errorf("quote of %q, claim %s of %q", q.Source, c.ID, c.Where)
	case q.Code != c.Code:
		return fmt.Errorf("quote of code %v, claim %s of code %v", q.Code, c.ID, c.Code)
	}
	want, got := Numbers(c.Says), Numbers(q.Words)
	for _, n := range want {
		if !slices.Contains(got, n) {
			return fmt.Errorf("the claim %s gives %s; the quote does not", c.ID, n)
		}
	}
	for _, n := range got {
		if !slices.Contains(want, n) {
			return fmt.Errorf("the quote gives %s; the claim %s does not", n, c.ID)
		}
	}
	for _, t := range c.Terms() {
		if !strings.Contains(q.Words, t) {
			return fmt.Errorf("the claim %s says %q; the quote does not", c.ID, t)
		}
	}
	return nil
}
