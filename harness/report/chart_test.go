package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/serverlab/serverlab/harness/catalogue"
	"github.com/serverlab/serverlab/harness/client"
	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/load"
)

// svgTexts returns a chart's SVG, checked to be well-formed XML, and the
// texts it draws.
func svgTexts(t *testing.T, c chart) (string, []string) {
	t.Helper()
	svg := c.svg("fig")
	d := xml.NewDecoder(strings.NewReader(svg))
	var texts []string
	inText := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: got SVG that is not XML: %v", c.title, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts = append(texts, string(tok))
			}
		}
	}
	return svg, texts
}

// TestCharts: each experiment's charts are titled views of its metrics:
// the numbers the checks judge are the numbers drawn.
func TestCharts(t *testing.T) {
	s := time.Second
	blocking := record(t, "blocking-loop",
		trial("timer", "epoll", nil, ended(client.Replied, s, s, s, s, s)),
		trial("block", "epoll", nil, ended(client.Replied, s, 2*s, 3*s, 4*s, 5*s)))
	// prefork: blocking accept spreads 4 workers evenly, epoll gives one 97 of 100.
	spread, one := trial("blocking", "prefork", []string{"--workers", "4"}), trial("epoll", "prefork", []string{"--workers", "4"})
	for i := 0; i < 100; i++ {
		spread.Logs = append(spread.Logs, fmt.Sprintf("%s%d %s%d pid=%d", catalogue.LogAccept, 5, catalogue.LogWorker, i%4, 20+i%4))
		w := 0
		if i >= 97 {
			w = i - 96
		}
		one.Logs = append(one.Logs, fmt.Sprintf("%s%d %s%d pid=%d", catalogue.LogAccept, 5, catalogue.LogWorker, w, 20+w))
	}
	// process-limit: 399 forks under nproc 400, the zombies climbing.
	storm := sampled(trial("nproc-400", "forking", nil), 10, 4)
	storm.Limits.NProc, storm.Limits.Pids = 400, 1000
	for i := range storm.Samples {
		storm.Samples[i].Zombies = 40 * i
	}
	for i := 0; i < 399; i++ {
		storm.Logs = append(storm.Logs, fmt.Sprintf("%s%d", catalogue.LogFork, 100+i))
	}
	// slow-clients: the iterative server answers its probes after 3 s,
	// epoll at once.
	probes := func(arm string, d time.Duration) experiment.Trial {
		p := ended(client.Replied, repeat(25, d)...)
		p.Label = "probes"
		for i := range p.Clients {
			p.Clients[i].Conn, p.Clients[i].Start = i, started.Add(time.Duration(i)*100*time.Millisecond)
		}
		during := probe(arm, 0)
		during.Label = "during the stall"
		return trial(arm, arm, nil, p, during)
	}
	// idle-connections: epoll held all 10000 in one process.
	idle := trial("epoll", "epoll", nil, experiment.Observation{Label: "10000 idle clients", Kind: experiment.StepClient,
		Summary: &client.Summary{Total: 10000, Connected: 10000, KeptOpen: 10000}},
		experiment.Observation{Label: "holding", Kind: experiment.StepProbe, Probe: snapshot("epoll", 0)})
	tests := []struct {
		name   string
		rec    experiment.Record
		titles []string
		texts  []string // drawn somewhere in the charts
	}{
		// One staircase per arm, its connections named in order.
		{"head-of-line", headOfLineRecord(t),
			[]string{"3b: each connection, from its start", "3c: each connection, from its start"},
			[]string{"client 5", "first byte to end", "seconds from the connection's start"}},
		{"blocking-loop", blocking,
			[]string{"timer: each connection, from its start", "block: each connection, from its start"}, nil},
		// Measured beside predicted: backlog-128 connected 129 of the 130 its check predicts.
		{"backlog", backlogRecord(t),
			[]string{"Connected at once (within 500ms), per backlog", "Never connected, per backlog", "The accept queue and the server's connections over time, per backlog, sampled every 100ms"},
			[]string{"backlog-128", "129", "130", "predicted (backlog + 2)"}},
		// 3c's 20 zombies and 21 forks − 0 reaps; 3g was never probed: "?".
		{"zombies", zombiesRecord(t),
			[]string{"Zombies at the last probe, beside the log's forks − reaps"},
			[]string{"20", "21", "?", "zombies in /proc"}},
		// The descriptors against nofile.
		{"fd-exhaustion", fdRecord(t),
			[]string{"The server's open descriptors, sampled every 100ms"},
			[]string{"nofile 1024", "open descriptors"}},
		// Each worker's share, against the even spread --workers 4 makes.
		{"prefork-balance", record(t, "prefork-balance", spread, one),
			[]string{"Each worker's share of the accepts, per accept mode"},
			[]string{"worker 3", "25", "97", "an even spread (25 %)"}},
		// The zombies climb to the lower limit, which bound after 399 forks.
		{"process-limit", record(t, "process-limit", storm),
			[]string{"Zombie children during the storm, sampled every 100ms", "Tasks on the whole host during the storm"},
			[]string{"nproc-400 (nproc bound, 399 forks)", "the lower limit, 400"}},
		// Every probe within 50 ms for epoll, none for the iterative server.
		{"slow-clients", record(t, "slow-clients", probes("iterative", 3*time.Second), probes("epoll", time.Millisecond)),
			[]string{"How long each probe took, per model", "Probes answered, per model", "Processes and threads holding the stalled clients, per model"},
			[]string{"answered within 50ms", "0", "25", "seconds until it ended (log)"}},
		// Connections kept open; the memory per connection needs samples, so "?".
		{"idle-connections", record(t, "idle-connections", idle),
			[]string{"Idle connections kept open, per model", "Processes and threads while holding them, per model", "Memory per connection kept open, per model"},
			[]string{"10000", "2", "?", "KiB per connection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := chartsFor(tt.name, tt.rec)
			var titles, texts []string
			for _, c := range cs {
				titles = append(titles, c.title)
				if c.desc == "" {
					t.Errorf("%s: got no description", c.title)
				}
				_, ts := svgTexts(t, c)
				texts = append(texts, ts...)
			}
			if fmt.Sprint(titles) != fmt.Sprint(tt.titles) {
				t.Errorf("got charts %q, want %q", titles, tt.titles)
			}
			for _, want := range tt.texts {
				if !hasText(texts, want) {
					t.Errorf("got no text %q among %q", want, texts)
				}
			}
		})
	}
}

func hasText(ss []string, s string) bool {
	for _, x := range ss {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// TestChartSVG: a chart is an inline SVG a browser and a screen reader can
// both read: no XML prolog, a role, a <title> and a <desc> it is labelled by.
func TestChartSVG(t *testing.T) {
	c := chartsFor("head-of-line", headOfLineRecord(t))[0]
	c.desc = `connections & "their" <ends>`
	svg, _ := svgTexts(t, c)
	for _, want := range []string{
		`<svg class="plot" role="img" aria-labelledby="fig-title fig-desc"`,
		`<title id="fig-title">3b: each connection, from its start</title>`,
		`<desc id="fig-desc">connections &amp; &#34;their&#34; &lt;ends&gt;</desc>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("got no %q in\n%.400s", want, svg)
		}
	}
	if n := strings.Count(svg, "font-family:"); n == 0 || strings.Count(svg, sansFamily) != n {
		t.Errorf("got %d fonts named, %d of them with the fallbacks, want every one", n, strings.Count(svg, sansFamily))
	}
	if !strings.HasPrefix(svg, "<svg") {
		t.Errorf("got %.40q first, want <svg", svg)
	}
}

// TestLoadCharts: the throughput and latency-under-load charts draw what
// the load steps measured, and a record without load steps gets its table
// only.
func TestLoadCharts(t *testing.T) {
	loaded := func(arm string) experiment.Trial {
		tr := trial(arm, "epoll", nil)
		for _, c := range []int{1, 10, 100} {
			res := load.Result{Connections: c, RPS: float64(1000 * c), DurationS: 2,
				Latency:  load.Percentiles{P50: 0.1 * float64(c), P90: 0.2 * float64(c), P99: 0.5 * float64(c), P999: float64(c)},
				Timeline: []load.Second{{Second: 0, Requests: 900, P99: 0.4}, {Second: 1, Requests: 1000, P99: 0.5}, {Second: 2, Requests: 1100}}}
			tr.Steps = append(tr.Steps, experiment.Observation{Label: fmt.Sprintf("%d connections", c), Kind: experiment.StepLoad,
				Load: &experiment.LoadRun{Result: res}})
		}
		return tr
	}
	tests := []struct {
		name, arm string
		titles    []string
		texts     []string
	}{
		{"throughput", "epoll/keep-alive",
			[]string{"Throughput against concurrency, per model (keep-alive)", "Latency against concurrency, per model (keep-alive)"},
			[]string{"epoll (keep-alive)", "requests per second", "tail (p99)"}},
		{"latency-under-load", "epoll",
			[]string{"Latency percentiles under load, per model", "Second by second, per model"},
			[]string{"p99.9", "epoll, 100 connections", "their p99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if cs := chartsFor(tt.name, record(t, tt.name, trial(tt.arm, "epoll", nil))); len(cs) != 0 {
				t.Errorf("without load steps: got %d charts, want none", len(cs))
			}
			var titles, texts []string
			for _, c := range chartsFor(tt.name, record(t, tt.name, loaded(tt.arm))) {
				titles = append(titles, c.title)
				_, ts := svgTexts(t, c)
				texts = append(texts, ts...)
			}
			if fmt.Sprint(titles) != fmt.Sprint(tt.titles) {
				t.Errorf("got charts %q, want %q", titles, tt.titles)
			}
			for _, want := range tt.texts {
				if !hasText(texts, want) {
					t.Errorf("got no text %q among %q", want, texts)
				}
			}
		})
	}
}

// chartsFor draws every chart of the figures the suite declares for the
// experiment called name, as the page does.
func chartsFor(name string, r experiment.Record) []chart {
	r.Experiment.Name = name
	var out []chart
	for _, f := range experiment.FiguresOf(r) {
		if len(f.Chart) > 0 {
			out = append(out, drawFigure(f, false))
		}
	}
	return out
}
