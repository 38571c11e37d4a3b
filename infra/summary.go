package infra

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	tfjson "github.com/hashicorp/terraform-json"
)

// TypeCounts is what a plan does to the resources of one type.
type TypeCounts struct {
	Type    string `json:"type"`
	Add     int    `json:"add"`
	Change  int    `json:"change"`
	Destroy int    `json:"destroy"`
}

// Summary is a plan read from terraform's JSON plan: totals as terraform counts
// them (a replacement is one add and one destroy) and the same split by type.
type Summary struct {
	Add, Change, Destroy int
	ByType               []TypeCounts // sorted by type
	OutputsChanged       []string     // root outputs the plan changes, sorted
}

// Empty reports whether the plan changes no resource.
func (s Summary) Empty() bool { return s.Add+s.Change+s.Destroy == 0 }

// Summarize counts a JSON plan's resource changes. Data source reads and no-ops
// are not changes.
func Summarize(p *tfjson.Plan) Summary {
	var s Summary
	byType := map[string]*TypeCounts{}
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil || rc.Mode == tfjson.DataResourceMode {
			continue
		}
		a := rc.Change.Actions
		var add, change, destroy int
		switch {
		case a.Replace():
			add, destroy = 1, 1
		case a.Create():
			add = 1
		case a.Update():
			change = 1
		case a.Delete():
			destroy = 1
		default: // no-op, read, forget
			continue
		}
		tc := byType[rc.Type]
		if tc == nil {
			tc = &TypeCounts{Type: rc.Type}
			byType[rc.Type] = tc
		}
		tc.Add += add
		tc.Change += change
		tc.Destroy += destroy
		s.Add += add
		s.Change += change
		s.Destroy += destroy
	}
	for _, tc := range byType {
		s.ByType = append(s.ByType, *tc)
	}
	sort.Slice(s.ByType, func(i, j int) bool { return s.ByType[i].Type < s.ByType[j].Type })
	for name, oc := range p.OutputChanges {
		if oc != nil && !oc.Actions.NoOp() {
			s.OutputsChanged = append(s.OutputsChanged, name)
		}
	}
	sort.Strings(s.OutputsChanged)
	return s
}

// Print writes the summary as a short table.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "Plan: %d to add, %d to change, %d to destroy.\n", s.Add, s.Change, s.Destroy)
	if len(s.ByType) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "resource type\tadd\tchange\tdestroy\t")
		for _, tc := range s.ByType {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t\n", tc.Type, tc.Add, tc.Change, tc.Destroy)
		}
		tw.Flush()
	}
	if len(s.OutputsChanged) > 0 {
		fmt.Fprintf(w, "Outputs changed: %v\n", s.OutputsChanged)
	}
}
