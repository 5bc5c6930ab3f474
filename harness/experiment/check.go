package experiment

import (
	"encoding/json"
	"fmt"
)

// Op is the comparison a check makes between a metric's value and its
// threshold.
type Op string

// The comparisons a check may use.
const (
	EQ Op = "=="
	NE Op = "!="
	LE Op = "<="
	GE Op = ">="
	LT Op = "<"
	GT Op = ">"
)

// ops are what each Op computes.
var ops = map[Op]func(a, b float64) bool{
	EQ: func(a, b float64) bool { return a == b },
	NE: func(a, b float64) bool { return a != b },
	LE: func(a, b float64) bool { return a <= b },
	GE: func(a, b float64) bool { return a >= b },
	LT: func(a, b float64) bool { return a < b },
	GT: func(a, b float64) bool { return a > b },
}

// Quantifier says over which trials a check must hold.
type Quantifier string

// Quantifiers.
const (
	Every Quantifier = "every" // in every trial
	Any   Quantifier = "any"   // in at least one trial
)

// Check is one prediction: metric (of arm, over trials) op value. Its
// metric is a typed value (Outcomes(client.Replied), LiveChildren(during)),
// so a check names no metric or parameter that does not exist, and Validate
// finds the steps it reads in its arm before any container starts.
type Check struct {
	Arm    string
	Metric Metric
	// Versus, when set, names another arm: the check then holds the ratio
	// of the metric in this arm to the metric in that one, trial by trial.
	Versus string
	Op     Op
	Value  float64
	Over   Quantifier
	Why    string // the reason, shown in the report
}

// check builds a check that must hold in every trial.
func check(arm string, m Metric, op Op, value float64, why string) Check {
	return Check{Arm: arm, Metric: m, Op: op, Value: value, Over: Every, Why: why}
}

// ratio builds a check on arm's metric over versus's, trial by trial, that
// must hold in every trial.
func ratio(arm string, m Metric, versus string, op Op, value float64, why string) Check {
	return Check{Arm: arm, Metric: m, Versus: versus, Op: op, Value: value, Over: Every, Why: why}
}

// String renders the check as the report shows it.
func (c Check) String() string {
	m := c.Metric.String()
	if c.Versus != "" {
		return fmt.Sprintf("%s: %s / %s's %s %g in %s trial", c.Arm, m, c.Versus, c.Op, c.Value, c.Over)
	}
	return fmt.Sprintf("%s: %s %s %g in %s trial", c.Arm, m, c.Op, c.Value, c.Over)
}

// checkJSON is a check as records store it: the metric by its name, its
// parameter and its step filter as strings.
type checkJSON struct {
	Arm    string     `json:"arm"`
	Metric string     `json:"metric"`
	Arg    string     `json:"arg,omitempty"`
	Step   string     `json:"step,omitempty"`
	Versus string     `json:"versus,omitempty"`
	Op     Op         `json:"op"`
	Value  float64    `json:"value"`
	Over   Quantifier `json:"over"`
	Why    string     `json:"why"`
}

// MarshalJSON writes the check as records store it.
func (c Check) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkJSON{Arm: c.Arm, Metric: c.Metric.Name, Arg: c.Metric.Arg, Step: c.Metric.Step,
		Versus: c.Versus, Op: c.Op, Value: c.Value, Over: c.Over, Why: c.Why})
}

// UnmarshalJSON reads a stored check and binds its metric again, with the
// same constructor the suite declares it with: a metric or parameter that
// does not exist fails here, when the record is read, not when it is
// judged.
func (c *Check) UnmarshalJSON(b []byte) error {
	var j checkJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	m, err := DecodeMetric(j.Metric, j.Arg, j.Step)
	if err != nil {
		return fmt.Errorf("check on %s: %w", j.Arm, err)
	}
	if _, ok := ops[j.Op]; !ok {
		return fmt.Errorf("check on %s: unknown op %q", j.Arm, j.Op)
	}
	*c = Check{Arm: j.Arm, Metric: m, Versus: j.Versus, Op: j.Op, Value: j.Value, Over: j.Over, Why: j.Why}
	return nil
}
