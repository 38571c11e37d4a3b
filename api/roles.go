package api

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"

	"github.com/sendingo/sendingo/store"
)

// Who may call what is written in api/openapi.yaml, and nowhere else:
//
//   - x-required-role on every operation names the least role that may call
//     it: viewer < sender < admin < owner, or public for routes anyone may
//     call (their security is []).
//   - the operation's security says whether API keys may call it at all: an
//     operation whose security does not list apiKey is for people only.
//
// The server reads both from the embedded spec when it starts (accessRules),
// refuses to start when an /api/v1 route has no rule or a rule no route, and
// authorize enforces them for every authenticated request, before any
// handler runs. Inside an account a missing permission is 403; a resource of
// another account stays 404 (the handlers' tenancy), because the role check
// does not look at resources.

// rolePublic is the x-required-role of routes that need no credentials.
const rolePublic = "public"

// accessRule is what the spec says about one operation.
type accessRule struct {
	OperationID string
	Role        string // rolePublic or a store role
	APIKeys     bool   // API keys may call it
}

// accessRules maps "METHOD /gin/path" to the operation's rule.
type accessRules map[string]accessRule

type specSecurity []map[string][]string

type specOperation struct {
	OperationID string        `yaml:"operationId"`
	Security    *specSecurity `yaml:"security"`
	Role        string        `yaml:"x-required-role"`
}

type specPathItem struct {
	Get    *specOperation `yaml:"get"`
	Put    *specOperation `yaml:"put"`
	Post   *specOperation `yaml:"post"`
	Patch  *specOperation `yaml:"patch"`
	Delete *specOperation `yaml:"delete"`
	Head   *specOperation `yaml:"head"`
}

func (p specPathItem) operations() map[string]*specOperation {
	return map[string]*specOperation{http.MethodGet: p.Get, http.MethodPut: p.Put, http.MethodPost: p.Post,
		http.MethodPatch: p.Patch, http.MethodDelete: p.Delete, http.MethodHead: p.Head}
}

var specParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)

// ginPath turns an OpenAPI path template into gin's form: {id} → :id.
func ginPath(p string) string { return specParam.ReplaceAllString(p, ":$1") }

// loadAccessRules reads every operation's rule from an OpenAPI document. An
// operation without x-required-role, with an unknown one, or whose role and
// security disagree (public with credentials, a role without) is an error.
func loadAccessRules(spec []byte) (accessRules, error) {
	var doc struct {
		Security specSecurity            `yaml:"security"`
		Paths    map[string]specPathItem `yaml:"paths"`
	}
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	rules := accessRules{}
	var errs []string
	for path, item := range doc.Paths {
		for method, op := range item.operations() {
			if op == nil {
				continue
			}
			name := method + " " + path
			if op.OperationID != "" {
				name = op.OperationID + " (" + name + ")"
			}
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			public := len(sec) == 0
			switch {
			case op.Role == "":
				errs = append(errs, name+" declares no x-required-role")
				continue
			case op.Role != rolePublic && store.RoleRank(op.Role) == 0:
				errs = append(errs, fmt.Sprintf("%s: x-required-role %q is none of public, %s", name, op.Role, strings.Join(store.Roles, ", ")))
				continue
			case public && op.Role != rolePublic:
				errs = append(errs, fmt.Sprintf("%s needs no credentials (security: []) but declares the role %s", name, op.Role))
				continue
			case !public && op.Role == rolePublic:
				errs = append(errs, name+" is public but its security asks for credentials")
				continue
			}
			keys := false
			for _, req := range sec {
				_, ok := req["apiKey"]
				keys = keys || ok
			}
			rules[method+" "+ginPath(path)] = accessRule{OperationID: op.OperationID, Role: op.Role, APIKeys: keys}
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, errors.New("api/openapi.yaml: " + strings.Join(errs, "; "))
	}
	return rules, nil
}

// checkRoutes compares the router's /api/v1 routes with the rules: a route
// without a rule would be refused to everyone, and a rule without a route
// means the spec describes something the server does not serve.
func (rules accessRules) checkRoutes(routes gin.RoutesInfo) error {
	served := map[string]bool{}
	var errs []string
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		key := r.Method + " " + r.Path
		served[key] = true
		if _, ok := rules[key]; !ok {
			errs = append(errs, key+" is served but not described (with x-required-role) in api/openapi.yaml")
		}
	}
	for key := range rules {
		_, path, _ := strings.Cut(key, " ")
		if strings.HasPrefix(path, "/api/v1/") && !served[key] {
			errs = append(errs, key+" is in api/openapi.yaml but not served")
		}
	}
	if len(errs) > 0 {
		slices.Sort(errs)
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// authorize enforces the matched route's rule for the authenticated caller.
func (s *Server) authorize() gin.HandlerFunc {
	return func(c *gin.Context) {
		rule, ok := s.access[c.Request.Method+" "+c.FullPath()]
		if !ok {
			// checkRoutes makes this unreachable; refuse rather than allow.
			internalError(c, fmt.Errorf("no access rule for %s %s", c.Request.Method, c.FullPath()))
			return
		}
		if rule.Role == rolePublic {
			c.Next()
			return
		}
		p := callerOf(c)
		if p.KeyID != 0 && !rule.APIKeys {
			problem(c, http.StatusForbidden, "forbidden", "Forbidden", "this route needs a person's access token, not an API key")
			return
		}
		if store.RoleRank(p.Role) < store.RoleRank(rule.Role) {
			who := "your role is " + p.Role
			if p.KeyID != 0 {
				who = "this API key's role is " + p.Role
			}
			writeProblem(c, Problem{Type: ProblemBase + "forbidden", Title: "Forbidden", Status: http.StatusForbidden,
				Detail:     fmt.Sprintf("%s needs the %s role or higher; %s", rule.OperationID, rule.Role, who),
				Extensions: map[string]any{"required_role": rule.Role, "role": p.Role}})
			return
		}
		c.Next()
	}
}
