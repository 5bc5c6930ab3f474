package report

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// selfCheckID is the element in which the page's own script writes, once
// it has loaded, how many charts it has (data-charts), those that drew
// nothing (data-unrendered), the captions that show (data-captions) and
// every error the window saw (data-errors): what a headless browser's dump
// of the page lets a test read.
const selfCheckID = "selfcheck"

var pageTemplate = template.Must(template.New("index.html").Funcs(template.FuncMap{
	"outcomeClass": func(o experiment.Outcome) string { return strings.ReplaceAll(string(o), " ", "-") },
	"capitalize":   func(o experiment.Outcome) string { return capitalize(string(o)) },
	"short":        short,
	"gib": func(b int64) string {
		if b <= 0 {
			return "?"
		}
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	},
	"selfcheck": func() string { return selfCheckID },
}).Parse(pageHTML))

// pageHTML is the page. Its one script is inline and only looks: it
// records the window's errors, and on load measures every chart, so that
// a test in a headless browser can tell a page that draws from one that
// does not.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>serverlab report</title>
<link rel="icon" href="data:,">
<style>
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", "Liberation Sans", sans-serif; }
header, main { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.8rem; margin: 0 0 .4rem; }
h2 { font-size: 1.35rem; margin: 2.8rem 0 .8rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
h2 a.anchor, h3 a.anchor { color: var(--muted); text-decoration: none; margin-left: .35rem; opacity: 0; }
h2:hover a.anchor, h3:hover a.anchor, a.anchor:focus { opacity: 1; }
a { color: #0550ae; }
p.lead, .muted { color: var(--muted); }
nav ol { columns: 2; margin: .5rem 0; padding-left: 1.4rem; font-size: .92rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .88rem; }
th, td { padding: .35rem .55rem; border: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: .86em/1.4 ui-monospace, "Liberation Mono", monospace; background: #eff2f5; padding: .05em .3em; border-radius: 4px; overflow-wrap: anywhere; }
.outcome { display: inline-block; padding: .05em .6em; border-radius: 1em; font-weight: 600; font-size: .88em; white-space: nowrap; }
.reproduced { color: #116329; background: #dafbe1; }
.not-reproduced { color: #a40e26; background: #ffebe9; }
.inconclusive { color: #7d4e00; background: #fff8c5; }
p.verdict { margin: .4rem 0 1rem; }
dl.claim { margin: 0 0 1rem; }
dl.claim dt { font-weight: 600; margin-top: .8rem; }
dl.claim dt .whose { font-weight: normal; color: var(--muted); }
dl.claim dd { margin: .2rem 0 0; }
blockquote.seed { margin: 0; padding: .5rem .9rem; border-left: 4px solid #bf8700; background: #fff8e6; font-style: italic; }
.lab { margin: 0; padding: .5rem .9rem; border-left: 4px solid #0969da; background: #eef5ff; }
tr.failed td { background: #ffebe9; }
tr.undecided td { background: #fff8c5; }
figure.chart { margin: 1.2rem 0; }
.figtable h4 { margin: 1rem 0 .3rem; font-size: .95rem; }
figure.chart svg { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
p.problem { color: #a40e26; }
td.nowrap { white-space: nowrap; }
figcaption { color: var(--muted); font-size: .86rem; margin-top: .35rem; }
.multiples { display: flex; flex-wrap: wrap; gap: 0 1rem; }
.multiples figure.chart { margin: .6rem 0; }
details { margin: .8rem 0; }
details summary { cursor: pointer; color: var(--muted); }
footer { max-width: 62rem; margin: 3rem auto 2rem; padding: 0 1.25rem; color: var(--muted); font-size: .85rem; }
</style>
<script>
// Keep every error the page meets, scripts' and resources' alike, for
// the self-check below.
window.selfcheckErrors = [];
window.addEventListener("error", function (e) {
  var t = e.target, what = e.message;
  if (!what && t && t !== window) { what = "could not load " + (t.src || t.href || t.tagName); }
  window.selfcheckErrors.push(what || "error");
}, true);
window.addEventListener("unhandledrejection", function (e) { window.selfcheckErrors.push("unhandled rejection: " + e.reason); });
</script>
</head>
<body>
<header>
<h1 id="top">serverlab report</h1>
<p class="lead">Drawn by <code>lab report</code> from the {{.Records}} JSON records {{if and .Stability .Stability.From}}of the last of {{.Stability.LastOf}} runs, in <code>{{.Stability.From}}</code>{{else}}beside this file{{end}}; each holds every raw observation, so this page can be redrawn without running anything. The article's words are labelled as the article's, the lab's predictions as the lab's. A check's margin is how far the value that decides it stood from its threshold, in the metric's units: positive on the side where it holds, negative where it fails.</p>
{{- if eq (len .Commits) 1}}
<p class="commits">Every record was made at lab commit <code>{{(index .Commits 0).Name}}</code>.</p>
{{- else if .Commits}}
<p class="commits problem"><strong>The records were made at {{len .Commits}} lab commits, not one:</strong>
{{- range $i, $c := .Commits}}{{if $i}};{{end}} <code>{{short $c.Commit}}</code> ({{range $j, $e := $c.Experiments}}{{if $j}}, {{end}}{{$e}}{{end}}){{end}}.</p>
{{- end}}
<nav aria-label="Contents"><ol>
<li><a href="#environment">Environment</a></li>
<li><a href="#verdicts">Verdicts</a></li>
{{- if .Stability}}
<li><a href="#stability">Stability</a></li>
{{- end}}
{{- if .Reference}}
<li><a href="#reference">Beside the reference run</a></li>
{{- end}}
{{- range .Sections}}
<li><a href="#{{.Anchor}}">{{.Name}}</a></li>
{{- end}}
</ol></nav>
</header>
<main>
<section id="environment">
<h2>Environment<a class="anchor" href="#environment" aria-label="Link to this section">#</a></h2>
<table>
<thead><tr><th>kernel</th><th>Docker</th><th>cgroup</th><th>CPU</th><th>cores</th><th>memory</th><th>arch</th><th>lab</th></tr></thead>
<tbody>
{{- range .Environments}}
<tr><td>{{.Engine.Kernel}}</td><td>{{.Engine.DockerVersion}}</td><td>v{{.Engine.CgroupVersion}}</td><td>{{.CPUModel}}</td><td class="num">{{.Engine.CPUs}}</td><td>{{gib .Engine.MemoryBytes}}</td><td>{{.Engine.Arch}}</td><td>{{.LabVersion}} ({{short .LabCommit}})</td></tr>
{{- end}}
</tbody>
</table>
</section>
<section id="verdicts">
<h2>Verdicts<a class="anchor" href="#verdicts" aria-label="Link to this section">#</a></h2>
{{- with .Merged}}
<p>Each environment's verdicts stand on its own records: nothing is averaged across machines.</p>
<table>
<thead><tr><th>experiment</th>{{range .Environments}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr><td>{{.Name}}</td>{{range .Verdicts}}<td>{{if .}}<span class="outcome {{outcomeClass .}}">{{.}}</span>{{else}}<span class="muted">not run</span>{{end}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- else}}
<table>
<thead><tr><th>experiment</th><th>verdict</th><th>trials</th><th>took</th><th>run</th></tr></thead>
<tbody>
{{- range .Verdicts}}
<tr><td><a href="#{{.Anchor}}">{{.Name}}</a><br><span class="muted">{{.Title}}</span></td><td><span class="outcome {{outcomeClass .Outcome}}">{{.Outcome}}</span></td><td class="num">{{.Trials}}</td><td>{{.Took}}</td><td class="nowrap">{{.Run}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
</section>
{{- with .Stability}}
<section id="stability">
<h2>Stability<a class="anchor" href="#stability" aria-label="Link to this section">#</a></h2>
<p>How often each experiment was reproduced and each check held over repeated runs, and by how much: the worst margin is the run nearest to failing, or furthest gone. A prediction that holds by a hair is a measurement, not yet a lesson.</p>
{{- range .Tables}}
<h3 id="{{.Anchor}}">{{.Heading}}<a class="anchor" href="#{{.Anchor}}" aria-label="Link to this section">#</a></h3>
<table>
<thead><tr><th>experiment</th><th>reproduced</th><th>check</th><th>held</th><th>worst margin</th><th>median margin</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr{{if .CheckUnsteady}} class="failed"{{end}}><td>{{.Experiment}}</td><td>{{if and .Reproduced .ExperimentUnsteady}}<strong>{{.Reproduced}}</strong>{{else}}{{.Reproduced}}{{end}}</td><td>{{if .Check}}<code>{{.Check}}</code>{{end}}</td><td>{{.Held}}</td><td class="num">{{.Worst}}</td><td class="num">{{.Median}}</td></tr>
{{- end}}
</tbody>
</table>
{{- if eq (len .Commits) 1}}
<p class="commits">Its runs measured lab commit <code>{{index .Commits 0}}</code>.</p>
{{- else if .Commits}}
<p class="commits problem"><strong>Its runs measured {{len .Commits}} lab commits, not one:</strong>
{{- range $i, $c := .Commits}}{{if $i}},{{end}} <code>{{short $c}}</code>{{end}}.</p>
{{- else}}
<p class="commits">The table does not say which lab commit its runs measured.</p>
{{- end}}
{{- end}}
</section>
{{- end}}
{{- with .Reference}}
<section id="reference">
<h2>Beside the reference run<a class="anchor" href="#reference" aria-label="Link to this section">#</a></h2>
<p>The reference is the run committed in <code>results/reference/</code> ({{.Environment}}).</p>
<table>
<thead><tr><th>experiment</th><th>this run</th><th>reference</th><th>same verdict</th></tr></thead>
<tbody>
{{- range .Verdicts}}
<tr{{if and .HasRecord (not .Same)}} class="failed"{{end}}><td><a href="#{{.Anchor}}">{{.Name}}</a></td><td><span class="outcome {{outcomeClass .Run}}">{{.Run}}</span></td>
{{- if .HasRecord}}<td><span class="outcome {{outcomeClass .Reference}}">{{.Reference}}</span></td><td>{{if .Same}}yes{{else}}<strong>no</strong>{{end}}</td>
{{- else}}<td>(none)</td><td>-</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
<details><summary>Key figures side by side: every check's measured values</summary>
<table>
<thead><tr><th>experiment</th><th>check</th><th>this run</th><th>reference</th></tr></thead>
<tbody>
{{- range .Checks}}
<tr><td>{{.Experiment}}</td><td><code>{{.Check}}</code></td><td>{{.Run}}</td><td>{{.Reference}}</td></tr>
{{- end}}
</tbody>
</table>
</details>
</section>
{{- end}}
{{- range .Sections}}
<section class="experiment" id="{{.Anchor}}">
<h2>{{.Name}}: {{.Title}}<a class="anchor" href="#{{.Anchor}}" aria-label="Link to this section">#</a></h2>
<p class="verdict"><span class="outcome {{outcomeClass .Verdict.Outcome}}">{{capitalize .Verdict.Outcome}}</span>
{{- if .Verdict.Reason}} Why {{.Verdict.Outcome}}: {{.Verdict.Reason}}{{end}}</p>
{{- if .Partial}}
<p class="muted">A partial run: this record holds only the arms of {{range $i, $p := .Partial}}{{if $i}}, {{end}}{{$p}}{{end}}.</p>
{{- end}}
<dl class="claim">
{{- with .Seed}}
<dt>The article says <span class="whose">(the article's words: {{.Cite}})</span></dt>
<dd><blockquote class="seed">“{{.Words}}”</blockquote></dd>
{{- end}}
<dt>The lab predicts <span class="whose">(the lab's own prediction, which the checks hold it to)</span></dt>
<dd><p class="lab">{{.Predicts}}.</p></dd>
<dt>Why</dt>
<dd>{{.Mechanism}}</dd>
{{- if .Departures}}
<dt>Departures from the article <span class="whose">(from the catalogue)</span></dt>
<dd><ul>
{{- range .Departures}}
<li>{{.}}</li>
{{- end}}
</ul></dd>
{{- end}}
</dl>
<h3 id="{{.Anchor}}-checks">Checks<a class="anchor" href="#{{.Anchor}}-checks" aria-label="Link to this section">#</a></h3>
<table class="checks">
<thead><tr><th>check</th><th>measured (per trial)</th><th>margin</th><th>held</th><th>why</th></tr></thead>
<tbody>
{{- range .Checks}}
<tr class="{{.Class}}"><td><code>{{.Check}}</code></td><td>{{.Measured}}</td><td class="num">{{.Margin}}</td><td>{{if eq .Class "failed"}}<strong>{{.Held}}</strong>{{else}}{{.Held}}{{end}}</td><td>{{.Why}}</td></tr>
{{- end}}
</tbody>
</table>
{{- if .Figures}}
<h3 id="{{.Anchor}}-figures">Figures<a class="anchor" href="#{{.Anchor}}-figures" aria-label="Link to this section">#</a></h3>
{{- range .Figures}}
{{- if .Problem}}
<p class="problem" id="{{.ID}}">{{if .Title}}{{.Title}}: this{{else}}This{{end}} figure could not be drawn: {{.Problem}}</p>
{{- else if .Table}}
{{- if .Folded}}
<details id="{{.ID}}"><summary>{{.Title}}{{if .Desc}}: {{.Desc}}{{end}}</summary>
{{template "figtable" .Table}}{{if .Note}}<p class="muted">{{.Note}}</p>{{end}}
</details>
{{- else}}
<div class="figtable" id="{{.ID}}">{{if .Title}}<h4>{{.Title}}</h4>{{end}}{{if .Desc}}<p>{{.Desc}}</p>{{end}}
{{template "figtable" .Table}}{{if .Note}}<p class="muted">{{.Note}}</p>{{end}}
</div>
{{- end}}
{{- else}}
<figure class="chart" id="{{.ID}}">
{{.SVG}}<figcaption>{{.Desc}}{{if .Note}} {{.Note}}{{end}}</figcaption>
</figure>
{{- end}}
{{- end}}
{{- end}}
{{- if .Samples}}
<h3 id="{{.Anchor}}-samples">CPU and memory, per trial<a class="anchor" href="#{{.Anchor}}-samples" aria-label="Link to this section">#</a></h3>
<p class="muted">Sampled every {{.SampleEvery}}: the cgroup's CPU time as user and system, in % of one core, and memory as the cgroup's charge and the resident memory of the specimen's processes.</p>
<div class="multiples">
{{- range .Samples}}
<figure class="chart small" id="{{.ID}}">
{{if .Problem}}<p class="problem">This chart could not be drawn: {{.Problem}}</p>{{else}}{{.SVG}}{{end}}</figure>
{{- end}}
</div>
{{- end}}
<details><summary>Trials: arguments, limits, outcomes, exit, the server's last log line</summary>
<table>
<thead><tr><th>arm</th><th>trial</th><th>args</th><th>limits</th><th>connections</th><th>specimen at end</th><th>took</th><th>samples</th><th>server's last log line</th></tr></thead>
<tbody>
{{- range .Trials}}
<tr><td>{{.Arm}}</td><td class="num">{{.Trial}}</td><td><code>{{.Args}}</code></td><td>{{.Limits}}</td><td>{{.Outcomes}}</td><td>{{.End}}</td><td>{{.Took}}</td><td class="num">{{.Samples}}</td><td><code>{{.LastLine}}</code></td></tr>
{{- end}}
</tbody>
</table>
</details>
</section>
{{- end}}
</main>
<footer><a href="#top">Back to the top</a></footer>
<div id="{{selfcheck}}" hidden></div>
<script>
// The self-check: how many charts the page has, which drew nothing
// (no box, or an empty drawing), how many captions show, and the errors
// seen. It only writes data- attributes on a hidden element.
(function () {
  function check() {
    var out = document.getElementById("{{selfcheck}}");
    var figures = document.querySelectorAll("figure.chart");
    var unrendered = [], captions = 0;
    for (var i = 0; i < figures.length; i++) {
      var svg = figures[i].querySelector(":scope > svg");
      var box = svg ? svg.getBoundingClientRect() : null;
      var drawn = svg ? svg.getBBox() : null;
      if (!box || !(box.width > 0 && box.height > 0) || !(drawn.width > 0 && drawn.height > 0)) {
        unrendered.push(figures[i].id);
      }
      // A caption swallowed by an SVG left open is no HTML caption.
      var caption = figures[i].querySelector(":scope > figcaption");
      if (caption instanceof HTMLElement && caption.getBoundingClientRect().height > 0) {
        captions++;
      }
    }
    out.setAttribute("data-charts", String(figures.length));
    out.setAttribute("data-captions", String(captions));
    out.setAttribute("data-unrendered", unrendered.join(" "));
    out.setAttribute("data-errors", window.selfcheckErrors.join("\n"));
    out.setAttribute("data-state", document.readyState);
  }
  check();
  window.addEventListener("load", check);
})();
</script>
</body>
</html>
{{define "figtable"}}<table>
<thead><tr>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr>{{range .}}<td>{{if .Code}}<code>{{.Text}}</code>{{else if .Strong}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>{{end}}`
