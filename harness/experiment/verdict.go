package experiment

import (
	"fmt"
	"strings"
)

// Judge evaluates every check on the trials and returns the results and the
// verdict. It is a pure function of its inputs, so a record can be judged
// again without running anything. Each result also says by how much it
// held or failed (its margins, see Margin and DecidingMargin); the margins
// decide nothing.
//
//   - inconclusive: a trial could not run (its observations are partial);
//   - not reproduced: a check did not hold; evidence against the claim
//     stands even if another check could not be decided (a server that
//     never died has no exit code to check);
//   - inconclusive: a check could not be decided (the reason says which);
//   - reproduced: every check held.
func Judge(e Experiment, trials []Trial) ([]CheckResult, Verdict) {
	return JudgeOn(e, trials, Environment{})
}

// JudgeOn is Judge for trials made in env. On an emulated machine
// (env.Emulated: TCG) a check of a Timed metric is evaluated and shown but
// decides nothing (CheckResult.Emulated): a time there is the emulator's as
// much as the kernel's, and no prediction of the lab is about emulators.
// The verdict's reason says how many checks were left out, and which.
func JudgeOn(e Experiment, trials []Trial, env Environment) ([]CheckResult, Verdict) {
	var results []CheckResult
	var broken, failed, missing, emulated []string
	for _, t := range trials {
		if t.Error != "" {
			broken = append(broken, fmt.Sprintf("%s trial %d did not run: %s", t.Arm, t.Trial, t.Error))
		}
	}
	for _, c := range e.Checks {
		r := evaluate(c, trials)
		r.Emulated = env.Emulated() && c.Metric.Timed()
		results = append(results, r)
		switch {
		case r.Emulated:
			emulated = append(emulated, fmt.Sprintf("%s (got %s)", c, values(r.Values)))
		case r.Unavailable != "":
			missing = append(missing, fmt.Sprintf("%s: %s", c, r.Unavailable))
		case !r.Held:
			failed = append(failed, fmt.Sprintf("%s (got %s)", c, values(r.Values)))
		}
	}
	var note []string
	if len(emulated) > 0 {
		note = []string{fmt.Sprintf("%d timed check(s) shown, not judged, on an emulated machine (%s): %s",
			len(emulated), env.Acceleration, strings.Join(emulated, "; "))}
	}
	switch {
	case len(broken) > 0:
		return results, Verdict{Outcome: Inconclusive, Reason: strings.Join(append(append(broken, missing...), note...), "; ")}
	case len(failed) > 0:
		return results, Verdict{Outcome: NotReproduced, Reason: strings.Join(append(append(failed, missing...), note...), "; ")}
	case len(missing) > 0:
		return results, Verdict{Outcome: Inconclusive, Reason: strings.Join(append(missing, note...), "; ")}
	}
	return results, Verdict{Outcome: Reproduced, Reason: strings.Join(note, "; ")}
}

// evaluate computes c's metric in each trial of its arm and applies c.Over,
// and how far each value stands from the threshold.
func evaluate(c Check, trials []Trial) CheckResult {
	r := CheckResult{Check: c}
	op := ops[c.Op]
	if op == nil {
		r.Unavailable = fmt.Sprintf("unknown op %q", c.Op)
		return r
	}
	holds, decided := 0, 0
	for _, t := range trials {
		if t.Arm != c.Arm || t.Error != "" {
			continue
		}
		v, err := c.Metric.Of(t)
		if err == nil && c.Versus != "" {
			v, err = versus(c, v, t.Trial, trials)
		}
		tv := TrialValue{Trial: t.Trial, Value: v}
		if err != nil {
			tv.Error = err.Error()
		} else {
			decided++
			if op(v, c.Value) {
				holds++
			}
		}
		r.Values = append(r.Values, tv)
	}
	// The margins say how near each value came to the threshold; they
	// decide nothing, the comparisons above do.
	r.withMargins()
	switch {
	case decided == 0:
		r.Unavailable = "no trial gave a value"
		for _, v := range r.Values {
			if v.Error != "" {
				r.Unavailable = v.Error
				break
			}
		}
	case c.Over == Any:
		// One trial that holds decides it; undecided trials cannot undo it.
		r.Held = holds > 0
		if !r.Held && decided < len(r.Values) {
			r.Unavailable = fmt.Sprintf("held in none of %d decided trials, %d undecided", decided, len(r.Values)-decided)
		}
	default:
		r.Held = holds == len(r.Values)
		if decided < len(r.Values) && holds == decided {
			r.Unavailable = fmt.Sprintf("%d of %d trials gave no value", len(r.Values)-decided, len(r.Values))
		}
	}
	return r
}

func values(vs []TrialValue) string {
	var s []string
	for _, v := range vs {
		if v.Error != "" {
			s = append(s, "?")
			continue
		}
		s = append(s, fmt.Sprintf("%g", v.Value))
	}
	return strings.Join(s, ", ")
}

// versus divides v, the metric in one trial of c's arm, by the same metric
// in the same-numbered trial of c.Versus: how many times the one's value
// the other's is.
func versus(c Check, v float64, n int, trials []Trial) (float64, error) {
	for _, t := range trials {
		if t.Arm != c.Versus || t.Trial != n || t.Error != "" {
			continue
		}
		w, err := c.Metric.Of(t)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", c.Versus, err)
		}
		if w == 0 {
			return 0, fmt.Errorf("%s: %s is 0, nothing to divide by", c.Versus, c.Metric.Name)
		}
		return v / w, nil
	}
	return 0, fmt.Errorf("no trial %d of %s ran", n, c.Versus)
}
