package report

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/serverlab/serverlab/harness/experiment"
)

// The experiments that drive a specimen with the load generator draw what
// its load steps measured: loadRuns is the one place that reads it, and the
// charts below are drawn from what it returns. Throughput draws its two
// modes apart, keep-alive and a connection per request.
// throughputModeCharts draw throughput's two modes apart.
func throughputModeCharts(r experiment.Record) []chart {
	var out []chart
	for _, mode := range []string{experiment.KeepAlive, experiment.Close} {
		out = append(out, throughputCharts(inMode(loadRuns(r), mode))...)
	}
	return out
}

// inMode keeps the runs of the throughput arms of one mode ("epoll/close"),
// named after their model alone.
func inMode(runs []loadRun, mode string) []loadRun {
	var out []loadRun
	for _, r := range runs {
		if model, ok := strings.CutSuffix(r.Model, "/"+mode); ok {
			r.Model = model + " (" + mode + ")"
			out = append(out, r)
		}
	}
	return out
}

// loadRun is what one load step of one trial measured, as the charts need
// it: the model, its concurrency, its rate and its latency percentiles
// (load.Result's), and its per-second timeline.
type loadRun struct {
	Model       string // the arm
	Step        string // the load step's label
	Connections int
	RPS         float64
	Latency     loadPercentiles
	Seconds     []loadSecond
}

// loadPercentiles are a latency distribution's, in milliseconds.
type loadPercentiles struct{ P50, P90, P99, P999 float64 }

// loadSecond is one second of a load step's timeline.
type loadSecond struct {
	Second   int
	Requests int64
	P99      float64 // ms; 0 when no response completed
}

// loadRuns returns every load step's result in a record, in trial and step
// order: the model is the trial's arm, the step the observation's label.
func loadRuns(r experiment.Record) []loadRun {
	var out []loadRun
	for _, t := range r.Trials {
		labels, runs := experiment.LoadRuns(t)
		for i, run := range runs {
			res := run.Result
			l := loadRun{Model: t.Arm, Step: labels[i], Connections: res.Connections, RPS: res.RPS,
				Latency: loadPercentiles{P50: res.Latency.P50, P90: res.Latency.P90, P99: res.Latency.P99, P999: res.Latency.P999}}
			for _, sec := range res.Timeline {
				l.Seconds = append(l.Seconds, loadSecond{Second: sec.Second, Requests: sec.Requests, P99: sec.P99})
			}
			out = append(out, l)
		}
	}
	return out
}

// byModel returns the runs grouped by model, the models in the order they
// first appear.
func byModel(runs []loadRun) (names []string, by map[string][]loadRun) {
	by = map[string][]loadRun{}
	for _, r := range runs {
		if _, ok := by[r.Model]; !ok {
			names = append(names, r.Model)
		}
		by[r.Model] = append(by[r.Model], r)
	}
	return names, by
}

// throughputCharts draw requests per second, and the median and tail
// latency, against the concurrency, one line per model.
func throughputCharts(runs []loadRun) []chart {
	if len(runs) == 0 {
		return nil
	}
	names, by := byModel(runs)
	rps := newPanel("", "concurrent connections", "requests per second")
	p50 := newPanel("median (p50)", "concurrent connections", "ms (log)")
	p99 := newPanel("tail (p99)", "concurrent connections", "ms (log)")
	for _, p := range []panel{p50, p99} {
		p.plot.Y.Scale, p.plot.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	points := 0
	for i, m := range names {
		var r, a, b plotter.XYs
		for _, run := range by[m] {
			x := float64(run.Connections)
			r = append(r, plotter.XY{X: x, Y: run.RPS})
			if run.Latency.P50 > 0 && run.Latency.P99 > 0 {
				a = append(a, plotter.XY{X: x, Y: run.Latency.P50})
				b = append(b, plotter.XY{X: x, Y: run.Latency.P99})
			}
		}
		rps.line(m, i, r)
		p50.line(m, i, a)
		p99.line(m, i, b)
		points += len(a)
	}
	out := []chart{single("Throughput against concurrency, per model",
		"Per model, the requests per second the load generator got at each concurrency.", rps)}
	if points > 0 { // a log axis cannot be drawn over nothing
		out = append(out, chart{title: "Latency against concurrency, per model",
			desc:   "Per model, the median and the 99th percentile of the latency at each concurrency, on a log scale.",
			panels: []panel{p50, p99}})
	}
	return out
}

// latencyCharts draw each model's latency percentiles, and its timeline
// second by second: requests completed and their p99.
func latencyCharts(runs []loadRun) []chart {
	if len(runs) == 0 {
		return nil
	}
	var cats []string
	ps := []bars{{name: "p50"}, {name: "p90"}, {name: "p99"}, {name: "p99.9"}}
	perSecond := newPanel("requests completed", "second of the run", "requests per second")
	tail := newPanel("their p99", "second of the run", "ms")
	for i, run := range runs {
		name := run.Model
		if run.Step != "" {
			name = fmt.Sprintf("%s, %s", run.Model, run.Step)
		}
		cats = append(cats, name)
		for j, v := range []float64{run.Latency.P50, run.Latency.P90, run.Latency.P99, run.Latency.P999} {
			ps[j].add(v, v > 0)
		}
		var n, p plotter.XYs
		for _, s := range run.Seconds {
			n = append(n, plotter.XY{X: float64(s.Second), Y: float64(s.Requests)})
			if s.P99 > 0 {
				p = append(p, plotter.XY{X: float64(s.Second), Y: s.P99})
			}
		}
		perSecond.line(name, i, n)
		tail.line(name, i, p)
	}
	return []chart{
		single("Latency percentiles under load, per model",
			"Per model and load step, the 50th, 90th, 99th and 99.9th percentiles of the latency, in ms.",
			barPanel("model, load step", "ms", cats, ps)),
		{title: "Second by second, per model",
			desc:   "Per model and load step, the requests completed in each second of the run and their 99th percentile latency.",
			panels: []panel{perSecond, tail}},
	}
}
