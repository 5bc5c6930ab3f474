package report

import (
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/experiment"
)

// browsers are the names a headless Chromium goes by.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// findBrowser returns the path of a Chromium, or "".
func findBrowser() string {
	for _, b := range browsers {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	return ""
}

// selfCheck is what the page's own script found once it had loaded, and
// what the browser logged to the console.
type selfCheck struct {
	charts     int
	captions   int      // captions that show
	unrendered []string // figures whose chart drew nothing
	errors     []string // the window's errors
	state      string   // the document's readyState
	console    []string // console messages: the page writes none
}

var (
	selfCheckTag = regexp.MustCompile(`<div id="` + selfCheckID + `"[^>]*>`)
	dataAttr     = regexp.MustCompile(`data-([a-z]+)="([^"]*)"`)
	consoleLine  = regexp.MustCompile(`:CONSOLE[^\]]*\] (.*)`)
)

// inBrowser opens page from disk in a headless Chromium and reads back
// what its self-check found, from the DOM the browser dumps once the page
// has loaded, and the console messages from the browser's log.
func inBrowser(t *testing.T, browser string, page []byte) selfCheck {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "index.html")
	if err := os.WriteFile(path, page, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0",
		"--dump-dom", "file://"+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	var got selfCheck
	tag := selfCheckTag.Find(dom)
	if tag == nil {
		t.Fatalf("got no #%s element in the DOM the browser dumped:\n%.2000s", selfCheckID, dom)
	}
	for _, m := range dataAttr.FindAllSubmatch(tag, -1) {
		v := html.UnescapeString(string(m[2]))
		switch string(m[1]) {
		case "charts":
			got.charts, _ = strconv.Atoi(v)
		case "captions":
			got.captions, _ = strconv.Atoi(v)
		case "unrendered":
			got.unrendered = strings.Fields(v)
		case "errors":
			if v != "" {
				got.errors = strings.Split(v, "\n")
			}
		case "state":
			got.state = v
		}
	}
	for _, m := range consoleLine.FindAllStringSubmatch(stderr.String(), -1) {
		got.console = append(got.console, m[1])
	}
	return got
}

// problems lists what is wrong with a page that has charts charts and
// captions captions.
func (c selfCheck) problems(charts, captions int) []string {
	var out []string
	if c.state != "complete" {
		out = append(out, "the page did not finish loading: readyState "+strconv.Quote(c.state))
	}
	if c.charts != charts {
		out = append(out, "the script found "+strconv.Itoa(c.charts)+" charts, the page has "+strconv.Itoa(charts))
	}
	if c.captions != captions {
		out = append(out, strconv.Itoa(c.captions)+" captions show, the page has "+strconv.Itoa(captions))
	}
	for _, id := range c.unrendered {
		out = append(out, "chart "+id+" drew nothing")
	}
	for _, e := range c.errors {
		out = append(out, "error: "+e)
	}
	for _, m := range c.console {
		out = append(out, "console: "+m)
	}
	return out
}

// browserRecords are real records, the reference run's of five
// experiments, and synthetic ones of two more.
func browserRecords(t *testing.T) []experiment.Record {
	var recs []experiment.Record
	for _, name := range []string{"head-of-line", "backlog", "client-hang", "zombies", "blocking-loop"} {
		recs = append(recs, fixture(t, name))
	}
	// In the suite's order, as Read gives a folder's records.
	order := map[string]int{}
	for i, e := range experiment.Suite() {
		order[e.Name] = i
	}
	slices.SortFunc(recs, func(a, b experiment.Record) int { return order[a.Experiment.Name] - order[b.Experiment.Name] })
	return append(recs, fdRecord(t), zombiesRecord(t))
}

// TestHTMLInBrowser opens the page in a headless Chromium: every chart
// must draw with a non-zero box, and the page must log no error. Broken
// pages prove that the check sees what it is for.
func TestHTMLInBrowser(t *testing.T) {
	browser := findBrowser()
	if browser == "" {
		t.Skipf("no Chromium found (looked for %s): install Debian's chromium to run this test", strings.Join(browsers, ", "))
	}
	page := HTML(browserRecords(t), []experiment.Record{headOfLineRecord(t)})
	charts, captions := strings.Count(string(page), `<figure class="chart`), strings.Count(string(page), "<figcaption>")
	if charts < 20 {
		t.Fatalf("got %d charts in the page, want the records' many", charts)
	}
	firstSVG := `<svg class="plot"`
	tests := []struct {
		name   string
		mangle func(string) string
		want   string // a problem the check must report; "" for none
	}{
		// The page as drawn: every chart renders, nothing is logged.
		{"page", func(s string) string { return s }, ""},
		// A chart hidden draws a box of nothing.
		{"hidden chart", func(s string) string {
			return strings.Replace(s, firstSVG, firstSVG+` style="display:none"`, 1)
		}, "drew nothing"},
		// A chart left open swallows its caption.
		{"chart left open", func(s string) string {
			i := strings.Index(s, firstSVG)
			return s[:i] + strings.Replace(s[i:], "</svg>", "", 1)
		}, "captions show"},
		// A chart escaped into text is no chart at all.
		{"chart as text", func(s string) string {
			i := strings.Index(s, firstSVG)
			j := i + strings.Index(s[i:], "</svg>") + len("</svg>")
			return s[:i] + html.EscapeString(s[i:j]) + s[j:]
		}, "drew nothing"},
		// A script that throws.
		{"script error", func(s string) string {
			return strings.Replace(s, "</main>", "<script>window.noSuchFunction();</script></main>", 1)
		}, "error: Uncaught TypeError"},
		// A page that writes to the console.
		{"console message", func(s string) string {
			return strings.Replace(s, "</main>", "<script>console.warn(\"look\");</script></main>", 1)
		}, `console: "look"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			problems := inBrowser(t, browser, []byte(tt.mangle(string(page)))).problems(charts, captions)
			switch {
			case tt.want == "" && len(problems) > 0:
				t.Errorf("got a broken page:\n%s", strings.Join(problems, "\n"))
			case tt.want != "" && !strings.Contains(strings.Join(problems, "\n"), tt.want):
				t.Errorf("got problems %q, want one with %q", problems, tt.want)
			}
		})
	}
}

// fixture is the reference run's record of the experiment called name.
func fixture(t *testing.T, name string) experiment.Record {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(referenceDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var r experiment.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}
