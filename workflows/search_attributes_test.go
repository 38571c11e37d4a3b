package workflows_test

import (
	"os"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/workflows"
)

// The search attributes workflows set are the ones the dev server and the
// deployed namespace register: a workflow setting an unregistered one fails to start.
func TestSearchAttributesAreRegistered(t *testing.T) {
	script, err := os.ReadFile("../deploy/temporal/namespace.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{workflows.AccountIDKey.GetName(), workflows.CampaignIDKey.GetName()} {
		found := false
		for _, sa := range devserver.SearchAttributes {
			found = found || (sa.Name == key && sa.Type == "Keyword")
		}
		if !found {
			t.Errorf("devserver.SearchAttributes lacks %s (Keyword)", key)
		}
		if !strings.Contains(string(script), "--name "+key+" --type Keyword") {
			t.Errorf("deploy/temporal/namespace.sh does not register %s", key)
		}
	}
}
