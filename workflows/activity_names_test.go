package workflows_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/activities"
)

// Workflows call activities by name (the Activity* constants) and the worker
// registers the methods of *activities.Activities under their own names: a name
// without its method would fail only when a workflow first calls it. Every
// constant must name a method.
func TestActivityNamesAreRegisteredMethods(t *testing.T) {
	fset := token.NewFileSet()
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	methods := reflect.TypeOf(&activities.Activities{})
	seen := 0
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range vs.Names {
				if !strings.HasPrefix(id.Name, "Activity") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				name, _ := strconv.Unquote(lit.Value)
				seen++
				if _, ok := methods.MethodByName(name); !ok {
					t.Errorf("%s: %s = %q names no method of *activities.Activities", fset.Position(id.Pos()), id.Name, name)
				}
			}
			return true
		})
	}
	if seen < 20 {
		t.Fatalf("found %d activity names; the parse misses some", seen)
	}
}
