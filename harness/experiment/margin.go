package experiment

import (
	"encoding/json"
	"math"
)

// margins say, for each op, how far a value stands from the threshold on
// the side where the check holds. Each agrees with ops: for the strict
// comparisons and != the check holds exactly when the margin is positive,
// for the others and == exactly when it is not negative. A prediction
// that holds by a hair and one that holds by a mile then read apart.
var margins = map[Op]func(value, threshold float64) float64{
	">=": func(v, t float64) float64 { return v - t },
	">":  func(v, t float64) float64 { return v - t },
	"<=": func(v, t float64) float64 { return t - v },
	"<":  func(v, t float64) float64 { return t - v },
	// == holds at one point only: any distance is against it.
	"==": func(v, t float64) float64 { return -math.Abs(v - t) },
	// != fails at one point only: any distance is for it.
	"!=": func(v, t float64) float64 { return math.Abs(v - t) },
}

// Margin is how far value is from c's threshold, in the metric's units (a
// ratio for a Versus check), signed so that it is positive, or zero for ==
// and the non-strict comparisons, when value satisfies c.Op; NaN for an op
// that Judge does not know.
func Margin(c Check, value float64) float64 {
	m, ok := margins[c.Op]
	if !ok {
		return math.NaN()
	}
	d := m(value, c.Value)
	if d == 0 {
		return 0 // never -0: == holding exactly prints as 0
	}
	return d
}

// DecidingMargin is the margin of the trial that decides c among the
// values: the worst of the decided trials for an every check (the nearest
// to failing, or the furthest gone), the best for an any check (one trial
// that holds is enough). ok is false when no trial gave a value or the op
// is unknown. It reads the values only, so a record written before margins
// were stored gives the same answer.
func DecidingMargin(c Check, vs []TrialValue) (margin float64, ok bool) {
	if _, known := margins[c.Op]; !known {
		return 0, false
	}
	for _, v := range vs {
		if v.Error != "" {
			continue
		}
		m := Margin(c, v.Value)
		switch {
		case !ok:
			margin, ok = m, true
		case c.Over == Any:
			margin = max(margin, m)
		default:
			margin = min(margin, m)
		}
	}
	return margin, ok
}

// withMargins sets r's margins from its check and values: each decided
// trial's, and the deciding one.
func (r *CheckResult) withMargins() {
	_, known := margins[r.Check.Op]
	for i, v := range r.Values {
		r.Values[i].Margin = 0
		if known && v.Error == "" {
			r.Values[i].Margin = Margin(r.Check, v.Value)
		}
	}
	r.Margin = nil
	if m, ok := DecidingMargin(r.Check, r.Values); ok {
		r.Margin = &m
	}
}

// UnmarshalJSON reads a CheckResult and works its margins out again from
// its check and values: they are derived data, so a record written before
// margins were stored reads as one written after, and a margin can never
// disagree with the value beside it.
func (r *CheckResult) UnmarshalJSON(b []byte) error {
	type plain CheckResult // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = CheckResult(p)
	r.withMargins()
	return nil
}
