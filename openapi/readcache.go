package openapi

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"

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
// the feed's version (node.FeedVersion, which costs no transaction) and
// the date it was made for, and is used only while both are the same. So
// a write, whatever it is, or midnight retires every cached answer.
// Requests with credentials, conditional requests (If-None-Match and
// If-Match: etagged answers them) and any other path go through. A cached answer still
// passes through the edge (request id, security headers, access log and
// metrics under its route, CORS), which sits in front of the cache.
//
// A cached answer is keyed on what it depends on: the path and query as
// sent (only an existing certificate's read is kept, and only a 200), the
// media type huma negotiates from Accept (one of its few formats) and the
// language negotiated from Accept-Language (en or fr), never on the raw
// header text: a client varying its headers reuses the same entries, and
// the cache holds at most readCacheMax answers and readCacheBytes bytes.
//
// Since every write retires every answer, the cache holds only answers
// made at one feed version and date, the newest it was given: an answer
// of a newer one empties it first, and one of an older one, or made while
// a write came, is not kept. Until session 32 it kept retired
// answers until it was full: under writes from many clients it held
// 20,000 of them that no read could use, 38 MB of a served node's 60 MB
// of live heap, which every garbage collection marked.
type readCache struct {
	node *node.Node
	api  huma.API // negotiates the media type, as huma does for the answer
	mu   sync.RWMutex
	m    map[string]*cachedAnswer
	size int // bytes held by m's keys and bodies
	// atVersion and atToday are what every answer in m was made at.
	atVersion uint64
	atToday   registry.Date
}

// readCacheMax is the most answers kept, and readCacheBytes the most bytes
// of keys and bodies; when either is reached, the cache starts over.
const (
	readCacheMax   = 20000
	readCacheBytes = 64 << 20
)

type cachedAnswer struct {
	version  uint64 // the feed's version (node.FeedVersion), or its size
	today    registry.Date
	status   int
	header   http.Header
	body     []byte
	patterns []string // the route's patterns, for the access log and metrics
}

func newReadCache(n *node.Node) *readCache {
	return &readCache{node: n, m: map[string]*cachedAnswer{}}
}

// cacheable reports whether r is a read the cache answers.
func cacheable(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/certificates/")
	if !ok || rest == "" {
		return false
	}
	switch id, sub, _ := strings.Cut(rest, "/"); {
	case id == "":
		return false
	case sub == "" && !strings.Contains(rest, "/"), sub == "versions":
	default:
		n, ok := strings.CutPrefix(sub, "versions/")
		if !ok || n == "" || strings.Contains(n, "/") {
			return false
		}
	}
	h := r.Header
	return h["Authorization"] == nil && h["If-None-Match"] == nil && h["If-Match"] == nil && h["Cookie"] == nil
}

// version returns what a cached answer must have been made at.
func (c *readCache) version(r *http.Request) (uint64, bool) {
	if v, ok := c.node.FeedVersion(); ok {
		return v, true
	}
	size, err := c.node.Size(r.Context())
	return size, err == nil
}

func (c *readCache) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c == nil || c.node == nil || !cacheable(r) {
			next.ServeHTTP(w, r)
			return
		}
		version, ok := c.version(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		media := "application/json"
		if c.api != nil {
			m, err := c.api.Negotiate(r.Header.Get("Accept"))
			if err != nil {
				next.ServeHTTP(w, r)
				return
			}
			media = m
		}
		lang := byte('e')
		if frenchOf(r.Context()) {
			lang = 'f'
		}
		today := c.node.Today()
		var buf [256]byte
		key := append(append(append(append(append(buf[:0], r.URL.EscapedPath()...), '?'), r.URL.RawQuery...), 0), media...)
		key = append(key, 0, lang)
		c.mu.RLock()
		a := c.m[string(key)]
		c.mu.RUnlock()
		rctx := chi.RouteContext(r.Context())
		if a != nil && a.version == version && a.today == today {
			if rctx != nil {
				// Copied: chi reuses its contexts and their slices.
				rctx.RoutePatterns = append(rctx.RoutePatterns[:0], a.patterns...)
			}
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
		if now, ok := c.version(r); !ok || now != version {
			return // a write came while it was made: retired, or soon
		}
		a = &cachedAnswer{version: version, today: today, status: status, header: rec.header.Clone(), body: bytes.Clone(rec.body.Bytes())}
		if rctx != nil {
			a.patterns = slices.Clone(rctx.RoutePatterns)
		}
		cost := len(key) + len(a.body)
		if cost > readCacheBytes/64 {
			return // too large to keep
		}
		c.mu.Lock()
		switch {
		case version < c.atVersion:
			c.mu.Unlock()
			return // retired already
		case version > c.atVersion || today != c.atToday || len(c.m) >= readCacheMax || c.size+cost > readCacheBytes:
			clear(c.m)
			c.size, c.atVersion, c.atToday = 0, version, today
		}
		if old := c.m[string(key)]; old != nil {
			c.size -= len(key) + len(old.body)
		}
		c.m[string(key)] = a
		c.size += cost
		c.mu.Unlock()
	})
}
