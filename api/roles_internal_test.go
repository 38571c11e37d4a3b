package api

import (
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// The rules come from the spec as written: a missing or unknown role, or a
// role that disagrees with the operation's security, is refused with the
// operation named; and every /api/v1 route must have a rule and every rule a
// route.
func TestAccessRulesFromTheSpec(t *testing.T) {
	rules, err := loadAccessRules(openAPISpec)
	if err != nil {
		t.Fatalf("the embedded spec: %v", err)
	}
	for key, want := range map[string]accessRule{
		"GET /api/v1/me":                        {OperationID: "getMe", Role: "viewer", APIKeys: true},
		"POST /api/v1/campaigns/:id/send":       {OperationID: "sendCampaign", Role: "sender", APIKeys: true},
		"DELETE /api/v1/api-keys/:id":           {OperationID: "deleteAPIKey", Role: "admin", APIKeys: false},
		"POST /api/v1/auth/accept-invitation":   {OperationID: "acceptInvitation", Role: "public"},
		"GET /api/v1/events/:id/tiers/:tier_id": {OperationID: "getTier", Role: "viewer", APIKeys: true},
	} {
		if got := rules[key]; got != want {
			t.Errorf("%s: %+v, want %+v", key, got, want)
		}
	}

	for spec, want := range map[string]string{
		"paths:\n  /a:\n    get:\n      operationId: getA\n":                                                            "getA (GET /a) declares no x-required-role",
		"paths:\n  /a:\n    get:\n      operationId: getA\n      x-required-role: boss\n":                               `x-required-role "boss"`,
		"paths:\n  /a:\n    get:\n      operationId: getA\n      x-required-role: viewer\n      security: []\n":         "needs no credentials (security: []) but declares the role viewer",
		"security: [{bearer: []}]\npaths:\n  /a:\n    post:\n      operationId: postA\n      x-required-role: public\n": "postA (POST /a) is public but its security asks for credentials",
	} {
		if _, err := loadAccessRules([]byte(spec)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("spec %q: error %v, want %q", spec, err, want)
		}
	}
	keys, err := loadAccessRules([]byte("security: [{bearer: []}, {apiKey: []}]\npaths:\n  /api/v1/a/{id}:\n    get:\n      operationId: getA\n      x-required-role: sender\n    delete:\n      operationId: deleteA\n      x-required-role: admin\n      security: [{bearer: []}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !keys["GET /api/v1/a/:id"].APIKeys || keys["DELETE /api/v1/a/:id"].APIKeys {
		t.Fatalf("API keys: %+v", keys)
	}

	err = keys.checkRoutes(gin.RoutesInfo{{Method: "GET", Path: "/api/v1/a/:id"}, {Method: "POST", Path: "/api/v1/b"}, {Method: "GET", Path: "/healthz"}})
	if err == nil || !strings.Contains(err.Error(), "POST /api/v1/b is served but not described") ||
		!strings.Contains(err.Error(), "DELETE /api/v1/a/:id is in api/openapi.yaml but not served") || strings.Contains(err.Error(), "healthz") {
		t.Fatalf("checkRoutes: %v", err)
	}
}
