package federation_test

import (
	"encoding/json"
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// memTree is the RFC 6962 tree of a list of compact JWSs, in memory, as a
// fake peer serves it.
type memTree struct {
	n      int64
	hashes []tlog.Hash // tlog's stored hashes
}

func newMemTree(jwss []string) *memTree {
	t := &memTree{}
	for _, j := range jwss {
		hs, err := tlog.StoredHashes(t.n, []byte(j), t)
		if err != nil {
			panic(err)
		}
		t.hashes = append(t.hashes, hs...)
		t.n++
	}
	return t
}

func (t *memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = t.hashes[x]
	}
	return out, nil
}

func (t *memTree) root(n int64) tlog.Hash {
	h, err := tlog.TreeHash(n, t)
	if err != nil {
		panic(err)
	}
	return h
}

// serveLog answers /v1/log/checkpoint and /v1/log/proof/consistency for
// the log of jwss signed with key as j, the way a corfed node does. It
// reports whether it answered.
func serveLog(w http.ResponseWriter, r *http.Request, key *jose.Key, j registry.Jurisdiction, jwss []string) bool {
	t := newMemTree(jwss)
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/v1/log/checkpoint":
		s, err := logproof.Sign(key, logproof.Checkpoint{Origin: logproof.Origin(j), Size: uint64(t.n), Root: t.root(t.n), Time: nodetest.Now})
		if err != nil {
			panic(err)
		}
		json.NewEncoder(w).Encode(s)
	case "/v1/log/proof/consistency":
		from, _ := strconv.ParseInt(r.URL.Query().Get("from"), 10, 64)
		to, _ := strconv.ParseInt(r.URL.Query().Get("to"), 10, 64)
		if from < 1 || from > to || to > t.n {
			http.Error(w, "bad sizes", http.StatusBadRequest)
			return true
		}
		p, err := tlog.ProveTree(to, from, t)
		if err != nil {
			panic(err)
		}
		json.NewEncoder(w).Encode(logproof.ConsistencyProof{From: uint64(from), To: uint64(to), Hashes: p})
	default:
		return false
	}
	return true
}
