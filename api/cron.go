package api

import (
	"fmt"
	"strconv"
	"strings"
)

// cronField describes one field of a five-field cron expression.
type cronField struct {
	name     string
	min, max int
	names    map[string]int
}

var cronFields = []cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day of month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}},
	{name: "day of week", min: 0, max: 6, names: map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}},
}

// checkCron checks a five-field cron expression (minute hour day-of-month month
// day-of-week; *, numbers, names, ranges a-b, lists a,b and steps /n), the
// subset Temporal Schedules and people agree on. It answers what is wrong, or "".
// Checking here lets the API refuse a bad expression at once, although the
// Temporal Schedule is made later by the schedule's sync.
func checkCron(expr string) string {
	parts := strings.Fields(expr)
	if len(parts) != len(cronFields) {
		return fmt.Sprintf("must have 5 fields (minute hour day-of-month month day-of-week), such as \"0 9 * * mon\"; %q has %d", expr, len(parts))
	}
	for i, p := range parts {
		if msg := checkCronField(p, cronFields[i]); msg != "" {
			return fmt.Sprintf("%s field %q: %s", cronFields[i].name, p, msg)
		}
	}
	return ""
}

func checkCronField(p string, f cronField) string {
	for _, item := range strings.Split(p, ",") {
		rng, step, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 || n > f.max-f.min+1 {
				return fmt.Sprintf("step %q must be a number from 1 to %d", step, f.max-f.min+1)
			}
		}
		if rng == "*" {
			continue
		}
		lo, hi, isRange := strings.Cut(rng, "-")
		a, ok := cronValue(lo, f)
		if !ok {
			return fmt.Sprintf("%q is not a %s from %d to %d", lo, f.name, f.min, f.max)
		}
		if !isRange {
			continue
		}
		b, ok := cronValue(hi, f)
		if !ok {
			return fmt.Sprintf("%q is not a %s from %d to %d", hi, f.name, f.min, f.max)
		}
		if b < a {
			return fmt.Sprintf("the range %s runs backwards", rng)
		}
	}
	return ""
}

func cronValue(s string, f cronField) (int, bool) {
	if v, ok := f.names[strings.ToLower(s)]; ok {
		return v, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, false
	}
	return n, true
}
