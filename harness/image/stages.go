package image

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// The classic builder builds every stage that stands before its target in
// the Dockerfile, needed or not (BuildKit builds only what the target
// needs): the WSGI image waited for the Go compile, and the C ones for the
// Python stage. So each target is built from the Dockerfile cut down to the
// stages it needs, which changes no layer (the same instructions on the same
// parents: the same cache), and the targets that share no stage are built
// at once (chains).

// stage is one FROM ... up to the next FROM, as lines of the Dockerfile.
type stage struct {
	name  string   // its AS name, lower case; "" when it has none
	needs []string // the earlier stages it builds FROM or COPYs --from
	lines []string
}

// dockerfile is a Dockerfile split into the lines before its first FROM
// (global ARGs, comments) and its stages.
type dockerfile struct {
	header []string
	stages []stage
}

// parseStages splits a Dockerfile into its stages. An instruction may go on
// over several lines (a trailing backslash); only an instruction's first
// line can start a stage.
func parseStages(b []byte) (dockerfile, error) {
	var d dockerfile
	names := map[string]bool{}
	continued := false
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		trimmed := strings.TrimSpace(line)
		first := !continued
		continued = strings.HasSuffix(trimmed, `\`) && !strings.HasPrefix(trimmed, "#")
		if first && !strings.HasPrefix(trimmed, "#") {
			if f := strings.Fields(trimmed); len(f) > 0 {
				switch strings.ToUpper(f[0]) {
				case "FROM":
					s, err := fromStage(f[1:], names)
					if err != nil {
						return d, fmt.Errorf("dockerfile: %q: %w", trimmed, err)
					}
					if s.name != "" {
						names[s.name] = true
					}
					d.stages = append(d.stages, s)
				case "COPY":
					if len(d.stages) > 0 {
						for _, a := range f[1:] {
							if from, ok := strings.CutPrefix(strings.ToLower(a), "--from="); ok && names[from] {
								st := &d.stages[len(d.stages)-1]
								st.needs = append(st.needs, from)
							}
						}
					}
				}
			}
		}
		if len(d.stages) == 0 {
			d.header = append(d.header, line)
		} else {
			st := &d.stages[len(d.stages)-1]
			st.lines = append(st.lines, line)
		}
	}
	if len(d.stages) == 0 {
		return d, fmt.Errorf("dockerfile: no FROM")
	}
	return d, nil
}

// fromStage reads a FROM's arguments: [--platform=...] image [AS name].
func fromStage(args []string, names map[string]bool) (stage, error) {
	var s stage
	var image string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a, "--"):
		case strings.EqualFold(a, "AS") && i+1 < len(args):
			s.name = strings.ToLower(args[i+1])
			i++
		case image == "":
			image = strings.ToLower(a)
		default:
			return s, fmt.Errorf("unexpected %q", a)
		}
	}
	if image == "" {
		return s, fmt.Errorf("no image")
	}
	if names[image] {
		s.needs = append(s.needs, image)
	}
	return s, nil
}

// closure is the indexes of the stages target needs, itself included, in
// the Dockerfile's order.
func (d dockerfile) closure(target string) ([]int, error) {
	index := map[string]int{}
	for i, s := range d.stages {
		if s.name != "" {
			index[s.name] = i
		}
	}
	t, ok := index[strings.ToLower(target)]
	if !ok {
		return nil, fmt.Errorf("dockerfile: no stage %q", target)
	}
	need := map[int]bool{}
	var visit func(int)
	visit = func(i int) {
		if need[i] {
			return
		}
		need[i] = true
		for _, n := range d.stages[i].needs {
			visit(index[n])
		}
	}
	visit(t)
	var out []int
	for i := range d.stages {
		if need[i] {
			out = append(out, i)
		}
	}
	return out, nil
}

// prune returns the Dockerfile with only the stages target needs.
func (d dockerfile) prune(target string) ([]byte, error) {
	keep, err := d.closure(target)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, l := range d.header {
		b.WriteString(l)
	}
	for _, i := range keep {
		for _, l := range d.stages[i].lines {
			b.WriteString(l)
		}
	}
	return b.Bytes(), nil
}

// chains groups targets into chains that share no stage: a chain's targets
// are built one after another (the first builds what the others reuse),
// different chains at once. Targets keep their given order within a chain;
// chains come in the order of their first target.
func (d dockerfile) chains(targets []string) ([][]string, error) {
	var chains [][]string
	var owned []map[int]bool // the stages each chain needs
	for _, t := range targets {
		need, err := d.closure(t)
		if err != nil {
			return nil, err
		}
		var joined []int // the chains t shares a stage with
		for c, own := range owned {
			if slices.ContainsFunc(need, func(i int) bool { return own[i] }) {
				joined = append(joined, c)
			}
		}
		if len(joined) == 0 {
			chains = append(chains, nil)
			owned = append(owned, map[int]bool{})
			joined = []int{len(chains) - 1}
		}
		// t may join chains that were apart until now: merge them into
		// the first.
		first := joined[0]
		for _, c := range joined[1:] {
			chains[first] = append(chains[first], chains[c]...)
			for i := range owned[c] {
				owned[first][i] = true
			}
		}
		chains[first] = append(chains[first], t)
		for _, i := range need {
			owned[first][i] = true
		}
		for k := len(joined) - 1; k > 0; k-- {
			c := joined[k]
			chains = slices.Delete(chains, c, c+1)
			owned = slices.Delete(owned, c, c+1)
		}
	}
	return chains, nil
}
