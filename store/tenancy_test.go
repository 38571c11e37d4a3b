package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/testenv"
)

// crossTenant are the exported *Store methods that touch tenant tables
// without an account, each for a reason: they run for the system, not for a
// tenant (sweepers, workers' plumbing), or they find the account from a
// secret only its holder has (a public token, a key's hash).
var crossTenant = map[string]string{
	// The account is found from a secret only its holder has.
	"APIKeyByHash":          "authenticates an API key by its hash; the key names the account",
	"UseStreamTicket":       "redeems a one-time stream ticket by its hash; the ticket names the account",
	"UserByEmail":           "log-in: the e-mail address names the user (and so the account) before the password is checked",
	"InvitationByToken":     "public invitation link: the token's hash names the invitation",
	"AcceptInvitation":      "public invitation link: the token's hash names the invitation and its account",
	"PasswordResetByToken":  "public reset link: the token's hash names the reset",
	"ResetPassword":         "public reset link: the token's hash names the user",
	"UnsubscriptionByToken": "public unsubscribe page: the token names the customer",
	"Unsubscribe":           "public unsubscribe page: the token names the customer",
	"LinkByToken":           "public tracking redirect (/t/{token}): the token names the message",
	"RecordClick":           "public tracking redirect: the click carries the account of the link its token named",
	"Signup":                "creates the account it would be asked for",

	// System work across accounts; each row found carries its account onward.
	"PendingOutbox":              "outbox sweeper: lists what every account is owed",
	"OutboxMark":                 "outbox plumbing: (kind, ref) rows the sweeper listed",
	"ClearOutbox":                "outbox plumbing: (kind, ref) rows the sweeper listed",
	"CampaignSchedulesOutOfSync": "schedule reconciler: lists the rows of every account owed a sync",
	"TailNotifications":          "notification stream hub: one tail for all accounts, fanned out by account",
	"NotificationsByID":          "notification stream hub: rows the tail named, fanned out by account",
	"NewestNotificationIDOfAll":  "notification stream hub: where the shared tail starts",
	"RecordCircuit":              "the worker's relay breaker knows relay ids only; the relay row names the account",
	"RollUp":                     "stats roll-up over message id blocks of every campaign (store/stats.go, helper B)",
}

// Every exported method of *Store that reads or writes a tenant table (one
// with an account_id column) must be told whose rows: a parameter accountID
// (or accountIDs), or one whose type carries an AccountID field (CampaignKey,
// Campaign, Event, ...). The tables a method touches are those its SQL names
// (FROM, JOIN, INTO, UPDATE), its own and those of the store functions it
// calls. A method that may not take an account is listed above with why.
func TestEveryTenantMethodTakesAnAccount(t *testing.T) {
	tenant := tenantTables(t)
	methods := parseStore(t)
	var offenders []string
	for _, m := range methods.exported() {
		tables := methods.tables(m.name, tenant)
		if len(tables) == 0 {
			continue
		}
		_, listed := crossTenant[m.name]
		switch carries := methods.carriesAccount(m); {
		case carries && listed:
			t.Errorf("%s takes an account now: take it off the allow-list", m.name)
		case !carries && !listed:
			offenders = append(offenders, m.name+" ("+strings.Join(tables, ", ")+")")
		}
	}
	for name := range crossTenant {
		if _, ok := methods.byName[name]; !ok {
			t.Errorf("allow-listed %s is no method of *Store", name)
		}
	}
	sort.Strings(offenders)
	for _, o := range offenders {
		t.Errorf("%s reads or writes a tenant table but takes no account", o)
	}
}

// tenantTables are the tables with an account_id column.
func tenantTables(t *testing.T) map[string]bool {
	var names []string
	if err := testenv.DB(t).Select(&names, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = DATABASE() AND column_name = 'account_id'`); err != nil {
		t.Fatal(err)
	}
	if len(names) < 10 {
		t.Fatalf("only %d tenant tables (%v): is the test database migrated?", len(names), names)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}

type storeFunc struct {
	name     string // Method for methods of *Store, name for functions
	exported bool   // an exported method of *Store
	decl     *ast.FuncDecl
	tables   map[string]bool
	calls    map[string]bool
}

type storeCode struct {
	byName  map[string]*storeFunc
	structs map[string]*ast.StructType
}

var bareName = regexp.MustCompile("^[\"`]([a-z_]+)[\"`]$")

var sqlTable = regexp.MustCompile("(?i)\\b(?:from|join|into|update)\\s+`?([a-z_]+)")

func parseStore(t *testing.T) storeCode {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	code := storeCode{byName: map[string]*storeFunc{}, structs: map[string]*ast.StructType{}}
	for _, f := range pkgs["store"].Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if st, ok := ts.Type.(*ast.StructType); ok {
							code.structs[ts.Name.Name] = st
						}
					}
				}
			case *ast.FuncDecl:
				fn := &storeFunc{name: d.Name.Name, decl: d, tables: map[string]bool{}, calls: map[string]bool{}}
				if d.Recv != nil {
					recv := types(d.Recv.List[0].Type)
					if recv != "*Store" {
						continue // methods of other types hold no SQL of their own
					}
					fn.exported = d.Name.IsExported()
				}
				ast.Inspect(d.Body, func(n ast.Node) bool {
					switch n := n.(type) {
					case *ast.BasicLit:
						if n.Kind == token.STRING {
							for _, m := range sqlTable.FindAllStringSubmatch(n.Value, -1) {
								fn.tables[strings.ToLower(m[1])] = true
							}
							// A table named on its own, for a helper that builds the
							// statement (checkOwned(..., "customers", ...)).
							if m := bareName.FindStringSubmatch(n.Value); m != nil {
								fn.tables[m[1]] = true
							}
						}
					case *ast.CallExpr:
						switch f := n.Fun.(type) {
						case *ast.Ident:
							fn.calls[f.Name] = true
						case *ast.SelectorExpr:
							fn.calls[f.Sel.Name] = true
						}
					}
					return true
				})
				code.byName[fn.name] = fn
			}
		}
	}
	return code
}

func (c storeCode) exported() []*storeFunc {
	var out []*storeFunc
	for _, f := range c.byName {
		if f.exported {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// tables are the tenant tables name touches, itself or through the store
// functions and methods it calls.
func (c storeCode) tables(name string, tenant map[string]bool) []string {
	seen := map[string]bool{}
	found := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		f, ok := c.byName[n]
		if !ok || seen[n] {
			return
		}
		seen[n] = true
		for tb := range f.tables {
			if tenant[tb] {
				found[tb] = true
			}
		}
		for callee := range f.calls {
			walk(callee)
		}
	}
	walk(name)
	out := make([]string, 0, len(found))
	for tb := range found {
		out = append(out, tb)
	}
	sort.Strings(out)
	return out
}

// carriesAccount reports a parameter that says whose rows: accountID(s), or a
// store type with an AccountID field.
func (c storeCode) carriesAccount(f *storeFunc) bool {
	for _, p := range f.decl.Type.Params.List {
		for _, n := range p.Names {
			if n.Name == "accountID" || n.Name == "accountIDs" {
				return true
			}
		}
		name := strings.TrimLeft(types(p.Type), "*[]")
		if st, ok := c.structs[name]; ok && hasAccountID(st) {
			return true
		}
	}
	return false
}

func hasAccountID(st *ast.StructType) bool {
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == "AccountID" {
				return true
			}
		}
	}
	return false
}

// types renders a type expression ("*Store", "[]int64", "CampaignKey").
func types(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + types(e.X)
	case *ast.ArrayType:
		return "[]" + types(e.Elt)
	case *ast.SelectorExpr:
		return types(e.X) + "." + e.Sel.Name
	case *ast.Ellipsis:
		return "[]" + types(e.Elt)
	}
	return strconv.Quote("?")
}

var selectStar = regexp.MustCompile(`(?i)\bselect\s+(?:\w+\.)?\*`)

// No store query reads SELECT *: a column a migration adds must not reach sqlx
// before a struct field takes it up (sqlx refuses a column without a field).
func TestStoreQueriesNameTheirColumns(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var hits []string
		for i, line := range strings.Split(string(src), "\n") {
			if trimmed := strings.TrimSpace(line); !strings.HasPrefix(trimmed, "//") && selectStar.MatchString(line) {
				hits = append(hits, strconv.Itoa(i+1))
			}
		}
		if len(hits) > 0 {
			t.Errorf("%s:%s: SELECT * (name the columns)", name, strings.Join(hits, ","))
		}
	}
}
