package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/agent"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
)

// sampled gives a trial n samples 100 ms apart, as the sampler takes them:
// the server alive with fds descriptors climbing by one a sample, its
// cgroup's CPU time and memory growing.
func sampled(tr experiment.Trial, n, fds int) experiment.Trial {
	for i := 0; i < n; i++ {
		tr.Samples = append(tr.Samples, agent.Sample{Taken: started.Add(time.Duration(i) * 100 * time.Millisecond),
			Server: serverPID, Processes: 1, Threads: 1, FDs: fds + i, RSS: int64(2+i) << 20, HostTasks: 168 + i,
			Cgroup: &agent.Cgroup{CPUUser: time.Duration(i) * 20 * time.Millisecond, CPUSystem: time.Duration(i) * 5 * time.Millisecond,
				Memory: int64(4+i) << 20}})
	}
	return tr
}

// fdRecord: 3d's descriptors climb to nofile and it dies of EMFILE; 3c's
// stay flat. Both were sampled.
func fdRecord(t *testing.T) experiment.Record {
	d := sampled(trial("3d", "forking", nil, ended(client.Replied, repeat(3, time.Second)...), probe("forking", 0)), 12, 4)
	d.Exit = experiment.Exit{ExitCode: 1}
	d.Logs = append(d.Logs, "accept: EMFILE (Too many open files)")
	c := sampled(trial("3c", "forking", nil, ended(client.Replied, repeat(3, time.Second)...), probe("forking", 0)), 12, 4)
	for i := range c.Samples {
		c.Samples[i].FDs = 4
	}
	return record(t, "fd-exhaustion", d, c)
}

// testRecords are records of four seed experiments, two of them sampled.
func testRecords(t *testing.T) []experiment.Record {
	hol := headOfLineRecord(t)
	hol.Trials[0] = sampled(hol.Trials[0], 5, 4)
	return []experiment.Record{hol, backlogRecord(t), zombiesRecord(t), fdRecord(t)}
}

// figureIDs returns the ids of the page's chart figures whose id starts
// with prefix.
func figureIDs(page, prefix string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<figure class="chart[^"]*" id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if strings.HasPrefix(m[1], prefix) {
			ids = append(ids, m[1])
		}
	}
	return ids
}

func TestHTML(t *testing.T) {
	recs := testRecords(t)
	raw := string(HTML(recs, nil))
	text := html.UnescapeString(raw) // what a reader sees, entities read
	tests := []struct {
		name, want string
	}{
		// One environment row for the four records.
		{"environment", "<td>6.18.44</td><td>20.10.24</td><td>v2</td><td>AMD EPYC</td>"},
		// The verdict table links each experiment's section.
		{"verdict row", `<a href="#head-of-line-an-iterative-server-makes-every-client-wait-for-the-one-before">head-of-line</a>`},
		{"verdict", `<span class="outcome not-reproduced">not reproduced</span>`},
		// Each experiment's section has an anchor and its title.
		{"section", `<section class="experiment" id="backlog-the-listen-backlog-holds-the-connections-a-busy-server-has-not-accepted">`},
		{"heading", "<h2>zombies: Children never waited for become zombies<a class=\"anchor\" href=\"#zombies-children-never-waited-for-become-zombies\""},
		// The article's words, labelled as the article's; the lab's prediction, as the lab's.
		{"seed", "The article says <span class=\"whose\">(the article's words: Part 3, webserver3b.py and webserver3c.py, its prose)</span></dt>\n<dd><blockquote class=\"seed\">“If you’ve done that within 60 seconds then the second curl"},
		{"prediction", "The lab predicts <span class=\"whose\">(the lab's own prediction, which the checks hold it to)</span></dt>\n<dd><p class=\"lab\">with a delay D = 1 s per request, 5 clients at once end in a staircase k*D"},
		{"mechanism", "<dt>Why</dt>\n<dd>An iterative server runs accept, serve, close in one process"},
		// Departures, from the catalogue.
		{"departure", "<li>3b: delay 60 s → 1 s</li>"},
		{"departure", "<li>backlog-0: a 10 s delay the article's webserver3a.py does not have; backlog 5 → 0</li>"},
		// Checks with their measured values and whether they held.
		{"check", "<tr class=\"held\"><td><code>3b: staircase(1s) <= 0.25 in every trial</code></td><td>0</td><td class=\"num\">+0.25</td><td>yes</td>"},
		{"check", "<tr class=\"failed\"><td><code>backlog-128: connected_within(500ms) == 130 in every trial</code></td><td>129</td><td class=\"num\">−1</td><td><strong>no</strong></td>"},
		{"undecided", "<tr class=\"undecided\"><td><code>3g: zombies == 0 in every trial</code></td><td>? (no probe step ran)</td><td class=\"num\">-</td><td>undecided: no probe step ran</td>"},
		// The one lab commit the records were made at.
		{"commit", "<p class=\"commits\">Every record was made at lab commit <code>9c806e536b46b577939d7296e3775fc3804f6bfa</code>.</p>"},
		{"reason", "Why not reproduced: backlog-128: connected_within(500ms) == 130 in every trial (got 129)"},
		// Charts are titled inside the SVG and captioned below it.
		{"chart title", `<title id="head-of-line-an-iterative-server-makes-every-client-wait-for-the-one-before-fig-1-title">3b: each connection, from its start</title>`},
		{"samples title", ">3b, trial 1: CPU and memory</title>"},
		// The trials table.
		{"trials", "<td><code>--backlog 0 --delay 10s</code></td><td>nofile 1024, nproc 1024, pids 1024</td><td>8 timed-out</td>"},
	}
	for _, tt := range tests {
		if !strings.Contains(text, tt.want) {
			t.Errorf("%s: got no %q in the page", tt.name, tt.want)
		}
	}
	if n := strings.Count(raw, "<td>6.18.44</td>"); n != 1 {
		t.Errorf("environment: got %d rows, want 1 for records made in one environment", n)
	}
	for _, r := range recs {
		a := anchor(r)
		if !strings.Contains(raw, `<section class="experiment" id="`+a+`">`) {
			t.Errorf("%s: got no section, want one", r.Experiment.Name)
		}
		for _, c := range r.Checks {
			if want := "<td><code>" + c.Check.String() + "</code></td>"; !strings.Contains(text, want) {
				t.Errorf("%s: got no row for check %s", r.Experiment.Name, c.Check)
			}
		}
		// Every experiment of these records has its figures, as many as its
		// chart function draws.
		want := len(chartsFor(r.Experiment.Name, r))
		if got := len(figureIDs(raw, a+"-fig-")); got != want || got == 0 {
			t.Errorf("%s: got %d figures, want %d (and some)", r.Experiment.Name, got, want)
		}
	}
}

// TestHTMLSampleCharts: a chart for every trial whose samples give a point,
// and none for a trial without.
func TestHTMLSampleCharts(t *testing.T) {
	alive := sampled(trial("3c", "forking", nil), 8, 4)
	one := sampled(trial("3c", "forking", nil), 1, 4) // one sample: memory, but no CPU rate
	one.Trial = 2
	gone := sampled(trial("3c", "forking", nil), 3, 4) // the server gone, no cgroup read: no point
	gone.Trial = 3
	for i := range gone.Samples {
		gone.Samples[i].Server, gone.Samples[i].Cgroup = 0, nil
	}
	none := trial("3g", "forking", nil) // never sampled
	page := string(HTML([]experiment.Record{record(t, "zombies", alive, one, gone, none)}, nil))
	prefix := "zombies-children-never-waited-for-become-zombies-samples-"
	tests := []struct {
		id, title string
	}{
		// CPU and memory side by side.
		{prefix + "1", "3c, trial 1: CPU and memory"},
		// One sample gives memory, but no CPU rate: the empty panel is left out.
		{prefix + "2", "3c, trial 2: memory"},
	}
	if got := figureIDs(page, prefix); len(got) != len(tests) {
		t.Fatalf("got sample charts %v, want %d: one per trial whose samples give a point", got, len(tests))
	}
	for _, tt := range tests {
		if want := fmt.Sprintf(`<title id="%s-title">%s</title>`, tt.id, tt.title); !strings.Contains(page, want) {
			t.Errorf("got no %q", want)
		}
	}
}

// attrURL finds a reference to elsewhere in an attribute that loads or
// links something, in the page or in its inline SVG.
var attrURL = regexp.MustCompile(`(?i)\b(src|href|xlink:href|srcset|action|poster|data)\s*=\s*["']?\s*(https?:|//)`)

// TestHTMLSelfContained: the page needs nothing from elsewhere: no script,
// stylesheet, font or image from another place.
func TestHTMLSelfContained(t *testing.T) {
	page := string(HTML(testRecords(t), []experiment.Record{headOfLineRecord(t)}))
	tests := []struct {
		name string
		bad  *regexp.Regexp
	}{
		{"a link to elsewhere", attrURL},
		{"a script from a file", regexp.MustCompile(`(?i)<script[^>]*\bsrc\b`)},
		{"a stylesheet from a file", regexp.MustCompile(`(?i)<link[^>]*rel=["']?stylesheet`)},
		{"a CSS import or url() to elsewhere", regexp.MustCompile(`(?i)@import|url\(\s*["']?\s*(https?:|//)`)},
		{"an XML prolog inside HTML", regexp.MustCompile(`<\?xml`)},
	}
	for _, tt := range tests {
		if m := tt.bad.FindString(page); m != "" {
			t.Errorf("%s: got %q", tt.name, m)
		}
	}
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("got %d scripts, want 2, both inline: the error log and the self-check", n)
	}
	// The test must be able to fail: each pattern finds what it is for.
	for _, bad := range []string{`<img src="https://example.org/x.png">`, `<use xlink:href="http://example.org/a.svg#x"/>`, `<a href="//cdn.example.org">`} {
		if !attrURL.MatchString(bad) {
			t.Errorf("got no match in %q, want one", bad)
		}
	}
}

// TestHTMLPure: the page is a function of its records alone: the same
// bytes every time, and the records untouched.
func TestHTMLPure(t *testing.T) {
	recs := testRecords(t)
	ref := []experiment.Record{headOfLineRecord(t)}
	before, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	want := HTML(recs, ref)
	for i := 0; i < 5; i++ {
		if got := HTML(recs, ref); !bytes.Equal(got, want) {
			t.Fatalf("run %d: got a different page for the same records", i+2)
		}
	}
	after, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, before) {
		t.Errorf("got records changed by HTML, want them untouched")
	}
}

// TestHTMLBesideReference: the run is set beside the reference only when
// there is one.
func TestHTMLBesideReference(t *testing.T) {
	run := []experiment.Record{headOfLineRecord(t), backlogRecord(t)}
	ref := []experiment.Record{headOfLineRecord(t)}
	// The reference's backlog reproduced: every backlog+2 connected.
	var trials []experiment.Trial
	for _, b := range []int{0, 1, 5, 128} {
		step := ended(client.TimedOut, repeat(b+8, 3*time.Second)...)
		for i := b + 2; i < len(step.Clients); i++ {
			step.Clients[i].Connect = 0
		}
		trials = append(trials, queued(trial(fmt.Sprintf("backlog-%d", b), "iterative", []string{"--backlog", fmt.Sprint(b)}, step), b+1))
	}
	ref = append(ref, record(t, "backlog", trials...))
	page := html.UnescapeString(string(HTML(run, ref)))
	for _, want := range []string{
		`<section id="reference">`,
		`<li><a href="#reference">Beside the reference run</a></li>`,
		`<span class="outcome reproduced">reproduced</span></td><td><span class="outcome reproduced">reproduced</span></td><td>yes</td>`,
		`<tr class="failed"><td><a href="#backlog-the-listen-backlog-holds-the-connections-a-busy-server-has-not-accepted">backlog</a></td><td><span class="outcome not-reproduced">not reproduced</span></td><td><span class="outcome reproduced">reproduced</span></td><td><strong>no</strong></td>`,
		"<tr><td>backlog</td><td><code>backlog-128: connected_within(500ms) == 130 in every trial</code></td><td>129</td><td>130</td></tr>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("got no %q", want)
		}
	}
	if without := string(HTML(run, nil)); strings.Contains(without, `id="reference"`) || strings.Contains(without, "Beside the reference") {
		t.Errorf("without a reference: got a comparison, want none")
	}
}

// TestHTMLEscapes: what a specimen logged or a check said is text, never
// markup.
func TestHTMLEscapes(t *testing.T) {
	tr := trial("3c", "forking", nil, ended(client.Replied, time.Second))
	tr.Logs = append(tr.Logs, `</code><script>alert("logged")</script>`)
	rec := record(t, "zombies", tr)
	rec.Verdict.Reason = `<img src=x onerror=alert(1)>`
	page := string(HTML([]experiment.Record{rec}, nil))
	for _, bad := range []string{`<script>alert(`, `<img src=x`} {
		if strings.Contains(page, bad) {
			t.Errorf("got %q unescaped in the page", bad)
		}
	}
	if want := "&lt;/code&gt;&lt;script&gt;alert(&#34;logged&#34;)&lt;/script&gt;"; !strings.Contains(page, want) {
		t.Errorf("got no %q: the log line escaped", want)
	}
}

// TestHTMLChartThatPanics: a figure that cannot be drawn says so in its
// place; the figures drawn beside it, and the page, stand.
func TestHTMLChartThatPanics(t *testing.T) {
	good := experiment.FiguresOf(headOfLineRecord(t))[0]
	// A log axis over a zero: gonum refuses to lay it out.
	bad := experiment.Figure{Title: "broken", Chart: []experiment.Panel{{Y: experiment.Axis{Log: true},
		Lines: []experiment.Line{{Name: "x", Points: []experiment.XY{{X: 0, Y: 0}, {X: 1, Y: 0}}}}}}}
	figs := htmlFigures("x", []experiment.Figure{good, bad, good}, false)
	if len(figs) != 3 {
		t.Fatalf("got %d figures, want the two drawn and the one that says why not", len(figs))
	}
	for _, i := range []int{0, 2} {
		if figs[i].SVG == "" || figs[i].Problem != "" {
			t.Errorf("figure %d: got problem %q, want its SVG", i+1, figs[i].Problem)
		}
	}
	if figs[1].ID != "x-2" || figs[1].Problem == "" || figs[1].SVG != "" {
		t.Errorf("second figure: got id %q, problem %q, want x-2 and why it could not be drawn", figs[1].ID, figs[1].Problem)
	}
}

// TestHTMLEveryExperiment: every experiment of the suite gets its section,
// and every one of its sampled trials its chart, whatever it observed.
func TestHTMLEveryExperiment(t *testing.T) {
	var recs []experiment.Record
	for _, e := range experiment.Suite() {
		var trials []experiment.Trial
		for _, a := range e.Arms {
			trials = append(trials, sampled(trial(a.Name, "server", nil), 3, 4))
		}
		recs = append(recs, record(t, e.Name, trials...))
	}
	page := string(HTML(recs, nil))
	for _, r := range recs {
		a := anchor(r)
		if !strings.Contains(page, `<section class="experiment" id="`+a+`">`) {
			t.Errorf("%s: got no section, want one", r.Experiment.Name)
		}
		if got, want := len(figureIDs(page, a+"-samples-")), len(r.Trials); got != want {
			t.Errorf("%s: got %d sample charts, want %d, one per sampled trial", r.Experiment.Name, got, want)
		}
	}
	if strings.Contains(page, `class="problem"`) {
		t.Errorf("got a chart that could not be drawn")
	}
}
