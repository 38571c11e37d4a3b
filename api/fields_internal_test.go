package api

import (
	"reflect"
	"strings"
	"testing"
)

// Fields.Text is every required text field's check: trimmed, given, at most max
// characters (runes, not bytes), with the field's own "required" message.
func TestFieldsTextTrimsRequiresAndCountsCharacters(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		v    *string
		want string
		errs Fields
	}{
		{nil, "", Fields{{"name", "is required: what the customer receives"}}},
		{str("  \t "), "", Fields{{"name", "is required: what the customer receives"}}},
		{str("  커피 쿠폰 "), "커피 쿠폰", nil},
		{str(strings.Repeat("가", 5)), strings.Repeat("가", 5), nil},
		{str(strings.Repeat("가", 6)), strings.Repeat("가", 6), Fields{{"name", "must be at most 5 characters"}}},
	}
	for _, c := range cases {
		var errs Fields
		got := errs.Text("name", c.v, 5, "is required: what the customer receives")
		if got != c.want || !reflect.DeepEqual(errs, c.errs) {
			t.Errorf("Text(%v) = %q %v, want %q %v", c.v, got, errs, c.want, c.errs)
		}
	}
}

// Fields.Email is the sign-up's and the invitation's e-mail check.
func TestFieldsEmailRequiresAValidAddress(t *testing.T) {
	for _, c := range []struct {
		v    string
		errs Fields
	}{
		{" ", Fields{{"email", "is required"}}},
		{"not-an-address", Fields{{"email", "is not a valid e-mail address"}}},
		{" Kim@Example.COM ", nil},
	} {
		var errs Fields
		got := errs.Email("email", c.v)
		if !reflect.DeepEqual(errs, c.errs) || (c.errs == nil && got == "") {
			t.Errorf("Email(%q) = %q %v, want %v", c.v, got, errs, c.errs)
		}
	}
}
