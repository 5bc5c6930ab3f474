package experiment

import (
	"fmt"
	"sort"
	"strings"
)

// The views of the experiments that drive a specimen with the load
// generator: a table of every load step, then what it measured as charts.

// loadTable tabulates every load step of every trial: requests per second,
// latency, errors by kind and the specimen's CPU per request; where a
// specimen stopped, how.
func loadTable(r Record, step, desc string) Figure {
	tab := &Table{Columns: []string{"model", step, "req/s", "p50 ms", "p99 ms", "max ms", "errors", "CPU per request"}}
	for _, t := range r.Trials {
		labels, runs := LoadRuns(t)
		for i, run := range runs {
			res := run.Result
			cpu := "?"
			if d, err := CPUPerRequest(run); err == nil {
				cpu = fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3)
			}
			errs := fmt.Sprint(res.Errs())
			if res.Errs() > 0 {
				var kinds []string
				for k, c := range res.Errors {
					if c > 0 {
						kinds = append(kinds, fmt.Sprintf("%d %s", c, k))
					}
				}
				sort.Strings(kinds)
				errs = strings.Join(kinds, ", ")
			}
			tab.Rows = append(tab.Rows, []Cell{Text(trialName(r, t)), Text(labels[i]), Text(fmt.Sprintf("%.0f", res.RPS)),
				Text(fmt.Sprintf("%.2f", res.Latency.P50)), Text(fmt.Sprintf("%.2f", res.Latency.P99)),
				Text(fmt.Sprintf("%.2f", res.Latency.Max)), Text(errs), Text(cpu)})
		}
		if !t.Exit.Running {
			last, _ := LastLine(t)
			tab.Rows = append(tab.Rows, []Cell{Text(trialName(r, t)), Code(fmt.Sprintf("stopped: exited %d, %s", t.Exit.ExitCode, last)),
				{}, {}, {}, {}, {}, {}})
		}
	}
	// A long table (throughput's 70 steps) is shown closed, its charts open.
	return Figure{Title: "Every load step", Desc: desc, Table: tab, Folded: len(tab.Rows) > 24}
}

// Throughput draws requests per second, errors and latency against the
// concurrency, per model, each of Modes (arms named model/mode) apart.
type Throughput struct{ Modes []string }

func (v Throughput) Figures(r Record) []Figure {
	level := "each level"
	if len(r.Trials) > 0 {
		if _, runs := LoadRuns(r.Trials[0]); len(runs) > 0 {
			level = fmt.Sprintf("%.0f s a level", runs[0].Result.DurationS)
		}
	}
	out := []Figure{loadTable(r, "connections", fmt.Sprintf(
		"Specimen on CPU 0, load generator on CPU 1, %s. CPU per request is the specimen's cgroup's, over exactly the run.", level))}
	for _, mode := range v.Modes {
		rps := Panel{X: Axis{Label: "concurrent connections"}, Y: Axis{Label: "requests per second"}}
		p50 := Panel{Title: "median (p50)", X: Axis{Label: "concurrent connections"}, Y: Axis{Label: "ms (log)", Log: true}}
		p99 := Panel{Title: "tail (p99)", X: Axis{Label: "concurrent connections"}, Y: Axis{Label: "ms (log)", Log: true}}
		latencies := 0
		for _, t := range r.Trials {
			model, ok := strings.CutSuffix(t.Arm, "/"+mode)
			if !ok {
				continue
			}
			name := model + " (" + mode + ")"
			var a, b, c []XY
			_, runs := LoadRuns(t)
			for _, run := range runs {
				x := float64(run.Result.Connections)
				a = append(a, XY{x, run.Result.RPS})
				if run.Result.Latency.P50 > 0 && run.Result.Latency.P99 > 0 {
					b = append(b, XY{x, run.Result.Latency.P50})
					c = append(c, XY{x, run.Result.Latency.P99})
				}
			}
			if len(a) == 0 {
				continue
			}
			rps.Lines = append(rps.Lines, Line{name, a})
			p50.Lines = append(p50.Lines, Line{name, b})
			p99.Lines = append(p99.Lines, Line{name, c})
			latencies += len(b)
		}
		if len(rps.Lines) == 0 {
			continue
		}
		out = append(out, Figure{Title: "Throughput against concurrency, per model (" + mode + ")", Chart: []Panel{rps},
			Desc: "Per model, the requests per second the load generator got at each concurrency, " + mode + "."})
		if latencies > 0 { // a log axis cannot be drawn over nothing
			out = append(out, Figure{Title: "Latency against concurrency, per model (" + mode + ")", Chart: []Panel{p50, p99},
				Desc: "Per model, the median and the 99th percentile of the latency at each concurrency, on a log scale, " + mode + "."})
		}
	}
	return out
}

// Latency draws each load step's latency percentiles, per arm, and its
// timeline second by second: requests completed and their p99.
type Latency struct{}

func (Latency) Figures(r Record) []Figure {
	out := []Figure{loadTable(r, "step",
		"The open model: latency from each request's intended send time (wrk2's correction for coordinated omission).")}
	ps := Panel{X: Axis{Label: "model, load step"}, Y: Axis{Label: "ms"},
		Bars: []Bars{{Name: "p50"}, {Name: "p90"}, {Name: "p99"}, {Name: "p99.9"}}}
	perSecond := Panel{Title: "requests completed", X: Axis{Label: "second of the run"}, Y: Axis{Label: "requests per second"}}
	tail := Panel{Title: "their p99", X: Axis{Label: "second of the run"}, Y: Axis{Label: "ms"}}
	for _, t := range r.Trials {
		labels, runs := LoadRuns(t)
		for i, run := range runs {
			name := trialName(r, t)
			if labels[i] != "" {
				name += ", " + labels[i]
			}
			ps.X.Categories = append(ps.X.Categories, name)
			l := run.Result.Latency
			for j, v := range []float64{l.P50, l.P90, l.P99, l.P999} {
				ps.Bars[j].Values = append(ps.Bars[j].Values, Value{V: v, OK: v > 0})
			}
			var n, p []XY
			for _, s := range run.Result.Timeline {
				n = append(n, XY{float64(s.Second), float64(s.Requests)})
				if s.P99 > 0 {
					p = append(p, XY{float64(s.Second), s.P99})
				}
			}
			perSecond.Lines = append(perSecond.Lines, Line{name, n})
			tail.Lines = append(tail.Lines, Line{name, p})
		}
	}
	if len(ps.X.Categories) == 0 {
		return out
	}
	return append(out,
		Figure{Title: "Latency percentiles under load, per model", Chart: []Panel{ps},
			Desc: "Per model and load step, the 50th, 90th, 99th and 99.9th percentiles of the latency, in ms."},
		Figure{Title: "Second by second, per model", Chart: []Panel{perSecond, tail},
			Desc: "Per model and load step, the requests completed in each second of the run and their 99th percentile latency."})
}
