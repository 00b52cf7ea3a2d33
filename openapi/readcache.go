package openapi

import (
	"bytes"
	"net/http"
	"strings"
	"sync"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// readCache keeps the encoded answers of the anonymous reads of one
// certificate (GET /v1/certificates/{id}, its versions and one version),
// the hottest public reads (a QR code scanned at a site gate), so that a
// repeated read skips decoding, huma and JSON encoding.
//
// An answer depends only on the node's own feed and on today's date in
// the node's jurisdiction (the default as_of): each cached answer carries
// the feed's size and the date it was made for, and is used only while
// both are the same. So a write, whatever it is, or midnight retires
// every cached answer. Requests with credentials, conditional requests
// (If-None-Match: etagged answers them) and any other path go through.
type readCache struct {
	node *node.Node
	mu   sync.RWMutex
	m    map[string]*cachedAnswer
}

// readCacheMax is the most answers kept; when full, the cache starts over.
const readCacheMax = 20000

type cachedAnswer struct {
	size   uint64
	today  registry.Date
	status int
	header http.Header
	body   []byte
}

func newReadCache(n *node.Node) *readCache {
	return &readCache{node: n, m: map[string]*cachedAnswer{}}
}

// cacheable reports whether r is a read the cache answers.
func cacheable(r *http.Request) bool {
	if r.Method != http.MethodGet || r.Header.Get("Authorization") != "" || r.Header.Get("If-None-Match") != "" ||
		r.Header.Get("Cookie") != "" {
		return false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/certificates/")
	if !ok || rest == "" {
		return false
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 1:
		return true
	case len(parts) == 2:
		return parts[1] == "versions"
	case len(parts) == 3:
		return parts[1] == "versions" && parts[2] != ""
	}
	return false
}

func (c *readCache) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c == nil || c.node == nil || !cacheable(r) {
			next.ServeHTTP(w, r)
			return
		}
		size, err := c.node.Size(r.Context())
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		today := c.node.Today()
		key := r.URL.RequestURI() + "\x00" + r.Header.Get("Accept") + "\x00" + r.Header.Get("Accept-Language")
		c.mu.RLock()
		a := c.m[key]
		c.mu.RUnlock()
		if a != nil && a.size == size && a.today == today {
			h := w.Header()
			for k, v := range a.header {
				h[k] = v
			}
			w.WriteHeader(a.status)
			_, _ = w.Write(a.body)
			return
		}
		rec := &buffered{header: http.Header{}}
		next.ServeHTTP(rec, r)
		_, status := rec.headerInto(w)
		w.WriteHeader(status)
		_, _ = w.Write(rec.body.Bytes())
		if status != http.StatusOK {
			return
		}
		a = &cachedAnswer{size: size, today: today, status: status, header: rec.header.Clone(), body: bytes.Clone(rec.body.Bytes())}
		c.mu.Lock()
		if len(c.m) >= readCacheMax {
			clear(c.m)
		}
		c.m[key] = a
		c.mu.Unlock()
	})
}
