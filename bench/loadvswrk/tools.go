package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/serverlab/serverlab/bench/internal/wrk"
)

// runWrk runs wrk with one thread, on the tools' CPU.
func runWrk(ctx context.Context, url string, conns int, d time.Duration) (measure, error) {
	out, cpu, err := pinned(ctx, wrk.Args(url, conns, d)...)
	if err != nil {
		return measure{}, err
	}
	r, err := wrk.Parse(out)
	return measure{RPS: r.RPS, P50: r.P50, P99: r.P99, Errors: r.Errors.Total(), CPU: cpu, Requests: r.Requests}, err
}

// runLab runs `lab load`, on the tools' CPU.
func runLab(ctx context.Context, lab, url string, conns int, d time.Duration) (measure, error) {
	out, cpu, err := pinned(ctx, lab, "load", "-c", strconv.Itoa(conns), "-d", d.String(), "--json", url)
	if err != nil {
		return measure{}, err
	}
	m, err := parseLab(out)
	m.CPU = cpu
	return m, err
}

// parseLab reads `lab load --json`.
func parseLab(out []byte) (measure, error) {
	var r struct {
		Requests int64   `json:"requests"`
		RPS      float64 `json:"rps"`
		Latency  struct {
			P50 float64 `json:"p50"`
			P99 float64 `json:"p99"`
		} `json:"latency_ms"`
		Errors map[string]int64 `json:"errors"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return measure{}, fmt.Errorf("parse lab load --json: %w", err)
	}
	m := measure{
		RPS:      r.RPS,
		Requests: r.Requests,
		P50:      time.Duration(r.Latency.P50 * float64(time.Millisecond)),
		P99:      time.Duration(r.Latency.P99 * float64(time.Millisecond)),
	}
	for _, n := range r.Errors {
		m.Errors += n
	}
	return m, nil
}
