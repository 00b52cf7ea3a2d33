package openapi

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"
)

//go:embed docs
var docsFS embed.FS

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>corfed registry node API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`

const docsInit = `window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui", deepLinking: true, validatorUrl: null});
`

// registerDocs serves the API reference at /docs with its assets from the
// binary: a province's network may block CDNs, so nothing is fetched from
// the internet.
func registerDocs(r chi.Router) {
	assets, _ := fs.Sub(docsFS, "docs")
	r.Get("/docs", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(docsPage))
	})
	// The page's script is a file so that the page's policy (docsCSP)
	// allows no inline script.
	r.Get("/docs/init.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write([]byte(docsInit))
	})
	r.Handle("/docs/assets/*", http.StripPrefix("/docs/assets/", http.FileServer(http.FS(assets))))
}
