package render

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// textVectors are shared with the web console's Vitest tests
// (web/src/features/templates/lib/text.test.ts), so the byte counter and the
// variable chips the console shows cannot disagree with what the server counts.
type textVectors struct {
	SMSBytes []struct {
		Text  string `json:"text"`
		Bytes int    `json:"bytes"`
	} `json:"sms_bytes"`
	Variables []struct {
		Texts     []string `json:"texts"`
		Variables []string `json:"variables"`
	} `json:"variables"`
}

func TestSharedTextVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/text-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v textVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.SMSBytes) == 0 || len(v.Variables) == 0 {
		t.Fatal("no vectors read")
	}
	for _, tc := range v.SMSBytes {
		if got := SMSBytes(tc.Text); got != tc.Bytes {
			t.Errorf("SMSBytes(%q) = %d, the vectors say %d", tc.Text, got, tc.Bytes)
		}
	}
	for _, tc := range v.Variables {
		got := Variables(tc.Texts...)
		if len(got) == 0 && len(tc.Variables) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tc.Variables) {
			t.Errorf("Variables(%q) = %q, the vectors say %q", tc.Texts, got, tc.Variables)
		}
	}
}
