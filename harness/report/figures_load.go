package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
)

// loadRow is one load run as a table row: requests per second, errors,
// latency percentiles and the specimen's CPU per request.
func loadRow(label string, run *experiment.LoadRun) string {
	res := run.Result
	cpu := "?"
	if d, err := experiment.CPUPerRequest(run); err == nil {
		cpu = fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3)
	}
	errs := fmt.Sprint(res.Errs())
	if n := res.Errs(); n > 0 {
		var kinds []string
		for k, c := range res.Errors {
			if c > 0 {
				kinds = append(kinds, fmt.Sprintf("%d %s", c, k))
			}
		}
		sort.Strings(kinds)
		errs = strings.Join(kinds, ", ")
	}
	return fmt.Sprintf("%s | %.0f | %.2f | %.2f | %.2f | %s | %s", label, res.RPS, res.Latency.P50, res.Latency.P99, res.Latency.Max, errs, cpu)
}

// throughputFigure tabulates each model's load runs against concurrency,
// and where a model stopped, how its specimen ended.
func throughputFigure(b *strings.Builder, r experiment.Record) {
	level := "each level"
	if len(r.Trials) > 0 {
		if _, runs := experiment.LoadRuns(r.Trials[0]); len(runs) > 0 {
			level = fmt.Sprintf("%.0f s a level", runs[0].Result.DurationS)
		}
	}
	fmt.Fprintf(b, "Specimen on CPU 0, load generator on CPU 1, %s. CPU per request is the specimen's cgroup's, over exactly the run.\n\n", level)
	b.WriteString("| model | connections | req/s | p50 ms | p99 ms | max ms | errors | CPU per request |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		labels, runs := experiment.LoadRuns(t)
		for i, run := range runs {
			fmt.Fprintf(b, "| %s | %s |\n", t.Arm, loadRow(labels[i], run))
		}
		if !t.Exit.Running {
			last, _ := experiment.LastLine(t)
			fmt.Fprintf(b, "| %s | stopped: exited %d, `%s` | | | | | | |\n", t.Arm, t.Exit.ExitCode, cell(last))
		}
	}
	b.WriteString("\n")
}

// latencyFigure tabulates each model's capacity and its percentiles at 50 %
// and 90 % of it, latency timed from each request's intended send time.
func latencyFigure(b *strings.Builder, r experiment.Record) {
	b.WriteString("The open model: latency from each request's intended send time (wrk2's correction for coordinated omission).\n\n")
	b.WriteString("| model | step | req/s | p50 ms | p99 ms | max ms | errors | CPU per request |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Trials {
		labels, runs := experiment.LoadRuns(t)
		for i, run := range runs {
			fmt.Fprintf(b, "| %s | %s |\n", t.Arm, loadRow(labels[i], run))
		}
	}
	b.WriteString("\n")
}
