// Package web holds the operator console: a single-page app whose build output
// (web/dist/app, made by `npm run build`) is embedded in the binary.
//
// A checkout where the console was never built still compiles: dist/ always holds
// the committed nobuild.html, and App reports whether a build is present.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// App returns the built console (index.html and assets/) and true, or the
// placeholder page's directory and false when the console was not built.
func App() (fs.FS, bool) {
	app, err := fs.Sub(dist, "dist/app")
	if err == nil {
		if _, err := fs.Stat(app, "index.html"); err == nil {
			return app, true
		}
	}
	root, _ := fs.Sub(dist, "dist")
	return root, false
}

// NotBuiltPage is the page served in place of the console when it was not built.
const NotBuiltPage = "nobuild.html"
