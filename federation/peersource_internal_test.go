package federation

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/tiles"
)

// TestTileSourcesAgreeOnWhatIsNotFound: the peer sync's tiles source
// (peerSource) and tiles.HTTPSource (corfed mirror's) read an answer's
// status alike: 404 and 410 are registry.ErrNotFound, and so is 403 for a
// partial tile or bundle (an S3 bucket opened by a GetObject-only policy
// answers 403 for a key it does not hold, as after a prune), which is
// what makes a reader fall back from a pruned partial to the full tile.
// Other answers are not. Before, peerSource took only 404 as not found,
// and neither took 403: a peer's sync skipped a source that corfed mirror
// read.
func TestTileSourcesAgreeOnWhatIsNotFound(t *testing.T) {
	var status atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, http.StatusText(int(status.Load())), int(status.Load()))
	}))
	defer srv.Close()
	hs, err := tiles.NewHTTPSource(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ps := &peerSource{c: &peerClient{http: defaultClient(5 * time.Second), timeout: 5 * time.Second}, base: srv.URL}
	ctx := context.Background()
	for _, tc := range []struct {
		status   int
		path     string
		notFound bool
	}{
		{http.StatusNotFound, "tile/0/000", true},
		{http.StatusGone, "tile/0/000.p/3", true},
		{http.StatusGone, "tile/entries/001", true},
		{http.StatusForbidden, "tile/0/000.p/3", true},
		{http.StatusForbidden, "tile/entries/001.p/164", true},
		{http.StatusForbidden, "tile/0/000", false},
		{http.StatusForbidden, tiles.CheckpointPath, false},
		{http.StatusInternalServerError, "tile/0/000.p/3", false},
	} {
		status.Store(int32(tc.status))
		for name, src := range map[string]tiles.Source{"tiles.HTTPSource": hs, "peerSource": ps} {
			if _, err := src.Get(ctx, tc.path, 1<<10); errors.Is(err, registry.ErrNotFound) != tc.notFound {
				t.Errorf("%s: HTTP %d for %s: %v; want not found %v", name, tc.status, tc.path, err, tc.notFound)
			}
		}
	}
}
