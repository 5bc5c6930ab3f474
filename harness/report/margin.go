package report

import (
	"math"
	"strconv"

	"github.com/serverlab/serverlab/harness/experiment"
)

// checkMargin is the deciding margin of c, worked out by the experiment
// package from the values drawn beside it (a record written before margins
// were stored has none of its own), as the margin column shows it.
func checkMargin(c experiment.CheckResult) string {
	m, ok := experiment.DecidingMargin(c.Check, c.Values)
	if !ok {
		return "-"
	}
	return formatMargin(c.Check.Op, m)
}

// formatMargin writes a margin in about three significant digits, signed
// so that the side of the threshold shows at a glance: "+0.15", "−3", and
// "0 (exact)" for an == that holds exactly. Plain decimals up to a million,
// so that req/s read as numbers, not exponents.
func formatMargin(op experiment.Op, m float64) string {
	switch {
	case m == 0 && op == experiment.EQ:
		return "0 (exact)"
	case m == 0:
		return "0"
	case math.IsNaN(m):
		return "?"
	}
	sign := "+"
	if m < 0 {
		sign = "−" // a minus sign, as wide as the plus
	}
	a, _ := strconv.ParseFloat(strconv.FormatFloat(math.Abs(m), 'g', 3, 64), 64)
	if a >= 1e-4 && a < 1e6 {
		return sign + strconv.FormatFloat(a, 'f', -1, 64)
	}
	return sign + strconv.FormatFloat(a, 'g', 3, 64)
}
