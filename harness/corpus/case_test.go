package corpus

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCorpus checks the corpus as data: enough cases, each named once,
// with input, a reason from the RFCs, and never a 2xx allowed for a
// malformed request.
func TestCorpus(t *testing.T) {
	cases := Cases()
	if len(cases) < 30 {
		t.Errorf("got %d cases, want at least 30", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.Name] {
			t.Errorf("case %s: named twice", c.Name)
		}
		seen[c.Name] = true
		if c.Sends == "" || !strings.Contains(c.RFC, "RFC ") {
			t.Errorf("case %s: sends %q, rfc %q; want both, the rfc citing one", c.Name, c.Sends, c.RFC)
		}
		if (c.Input == nil) != (c.Way == Silent) {
			t.Errorf("case %s: way %s with input %v", c.Name, c.Way, c.Input != nil)
		}
		if !c.Expect.Nothing && len(c.Expect.Statuses) == 0 && !c.Expect.Silent {
			t.Errorf("case %s: allows no outcome", c.Name)
		}
		if c.Malformed && slices.ContainsFunc(append(c.Expect.Statuses, c.Expect.Then...), func(s int) bool { return s/100 == 2 }) {
			t.Errorf("case %s: malformed, yet allows %v", c.Name, c.Expect.Statuses)
		}
		if (c.Way == Trickle || c.Way == Silent) && !c.Slow {
			t.Errorf("case %s: way %s waits on the idle timeout, but is not slow", c.Name, c.Way)
		}
	}
	// The cases the brief names, among others.
	for _, name := range []string{"no-line-end", "bare-lf", "request-line-8k", "request-line-1m", "fields-10000",
		"field-no-colon", "space-before-colon", "nul-in-target", "binary-garbage", "unknown-method", "lowercase-method",
		"http09", "http2-preface", "http3-version", "content-length-differing", "content-length-negative",
		"content-length-huge", "chunked-malformed", "body-over-limit", "body-without-length", "pipelined-100",
		"bytewise", "slowloris", "half-close-after-request", "reset-mid-request", "idle-connection", "no-host",
		"two-hosts", "te-gzip", "te-and-content-length", "obs-fold", "field-9k", "post-hello", "head-hello",
		"options-asterisk"} {
		if !seen[name] {
			t.Errorf("no case %s", name)
		}
	}
}

// TestInputs checks the generated inputs are the sizes their names say,
// and the same bytes every time.
func TestInputs(t *testing.T) {
	input := func(name string) []byte {
		cs, err := Select(Cases(), []string{name})
		if err != nil {
			t.Fatal(err)
		}
		return cs[0].Input()
	}
	line := func(b []byte) int { return bytes.Index(b, []byte("\r\n")) }
	if got := line(input("request-line-8k")); got != 8<<10 {
		t.Errorf("request-line-8k: got a line of %d bytes, want %d", got, 8<<10)
	}
	if got := line(input("request-line-1m")); got != 1<<20 {
		t.Errorf("request-line-1m: got a line of %d bytes, want %d", got, 1<<20)
	}
	if got := bytes.Count(input("fields-10000"), []byte("X-Field-")); got != 10000 {
		t.Errorf("fields-10000: got %d fields, want 10000", got)
	}
	if got := bytes.Count(input("pipelined-100"), []byte("GET /hello HTTP/1.1\r\n")); got != 100 {
		t.Errorf("pipelined-100: got %d requests, want 100", got)
	}
	over := input("body-over-limit")
	if i := bytes.Index(over, []byte("\r\n\r\n")); len(over)-i-4 != maxBody+1 || !bytes.Contains(over, []byte("Content-Length: 1048577\r\n")) {
		t.Errorf("body-over-limit: got a body of %d bytes, want %d and its Content-Length", len(over)-i-4, maxBody+1)
	}
	if got := len(input("body-without-length")); got < maxBody {
		t.Errorf("body-without-length: got %d bytes, want at least %d", got, maxBody)
	}
	if a, b := input("binary-garbage"), input("binary-garbage"); !bytes.Equal(a, b) || len(a) != 4<<10 {
		t.Errorf("binary-garbage: %d bytes, the same twice: %v; want 4096, true", len(a), bytes.Equal(a, b))
	}
	if bytes.IndexByte(clientHello, '\n') >= 0 || int(clientHello[4])+5 != len(clientHello) {
		t.Errorf("clientHello: record length %d for %d bytes, or an LF in it", clientHello[4], len(clientHello))
	}
}

// TestSelect keeps the order asked for and names the known cases on a miss.
func TestSelect(t *testing.T) {
	got, err := Select(Cases(), []string{"slowloris", "bare-lf"})
	if err != nil || len(got) != 2 || got[0].Name != "slowloris" || got[1].Name != "bare-lf" {
		t.Fatalf("got %d cases, %v; want slowloris, bare-lf", len(got), err)
	}
	if _, err := Select(Cases(), []string{"nope"}); err == nil || !strings.Contains(err.Error(), "bare-lf") {
		t.Errorf("got %v, want an error listing the cases", err)
	}
}

// TestDeadline: slow cases wait on the idle timeout, the others do not.
func TestDeadline(t *testing.T) {
	o := NewOptions(WithIdle(5*time.Second), WithMargin(time.Second), WithTimeout(2*time.Second))
	if got := (Case{Slow: true}).Deadline(o); got != 6*time.Second {
		t.Errorf("slow: got %v, want 6s", got)
	}
	if got := (Case{}).Deadline(o); got != 2*time.Second {
		t.Errorf("quick: got %v, want 2s", got)
	}
	if got := Budget([]Case{{Slow: true}, {}}, o); got != 8*time.Second+2*o.Probe {
		t.Errorf("budget: got %v, want %v", got, 8*time.Second+2*o.Probe)
	}
}
