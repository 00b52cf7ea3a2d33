package openapi

import (
	"net/http"
	"sync/atomic"
)

// StartGate is the handler a node serves from the moment it binds its
// address: until Open, every request (the probes included) is answered at
// once with a 503 problem saying the node is starting, with Retry-After,
// in the language asked for; from Open on, the node's handler answers.
// Without it a request sent while the node opens its store, loads its
// keys and federation and builds its API waits unanswered in the listen
// queue (32 s once under load, review s28-c), where a client or balancer
// would rather be told and move on.
type StartGate struct {
	h atomic.Pointer[http.Handler]
}

// Open hands every request from now on to h.
func (g *StartGate) Open(h http.Handler) { g.h.Store(&h) }

func (g *StartGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	withRequestInfo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Cache-Control", "no-store")
		writeProblem(w, r, http.StatusServiceUnavailable, "Unavailable", detailStarting)
	})).ServeHTTP(w, r)
}
