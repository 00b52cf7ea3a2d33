package federation_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
)

// A caller waiting for a sync of a peer gives up with its own context: an
// on-demand sync must not queue behind a background sync of a peer that
// hangs.
func TestSyncWaitingBehindAHungSyncGivesUp(t *testing.T) {
	s := newHostile(t, federation.Config{PeerTimeout: time.Hour})
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	s.peer.mu.Lock()
	s.peer.handler = func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		http.Error(w, "gone", http.StatusServiceUnavailable)
	}
	s.peer.mu.Unlock()
	first := make(chan error, 1)
	go func() { _, err := s.fed.Sync(t.Context(), "CA-BC"); first <- err }()
	<-arrived // the first sync holds the peer and hangs in its handler

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.fed.Sync(ctx, "CA-BC") // would block until release with a mutex
	if !errors.Is(err, context.Canceled) || !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("second sync while the first hangs: got %v, want context.Canceled and ErrUnavailable", err)
	}
	close(release)
	if err := <-first; err == nil {
		t.Error("first sync: got no error from a peer answering 503")
	}
}

// A question syncs with the peers first (answers follow writes on other
// nodes), but not with a peer whose last sync failed moments ago: a peer
// that is down or hangs must not cost every question a wait.
func TestQuestionsSkipARecentlyFailedPeer(t *testing.T) {
	s := newHostile(t, federation.Config{PeerTimeout: time.Hour})
	var hits atomic.Int64
	var failing atomic.Bool
	honest := &hostilePeer{j: "CA-BC", key: s.peer.key, size: -1} // an empty feed, a signed checkpoint
	s.peer.mu.Lock()
	s.peer.handler = func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if failing.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		honest.ServeHTTP(w, r)
	}
	s.peer.mu.Unlock()
	l := federation.NewLookups(s.fed)
	q := equivalence.Question{BN: "111111118", Host: "CA-BC", Use: equivalence.UseWork}

	// A healthy peer is asked before the answer.
	if _, err := l.RecognizeFresh(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	if hits.Load() == 0 {
		t.Fatal("a question did not sync with a healthy peer first")
	}
	// The peer fails; the next question does not ask it again.
	failing.Store(true)
	if _, err := s.fed.Sync(t.Context(), "CA-BC"); err == nil {
		t.Fatal("sync of a peer answering 503: got no error")
	}
	before := hits.Load()
	if _, err := l.RecognizeFresh(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	if got := hits.Load(); got != before {
		t.Errorf("a question asked a peer whose last sync just failed (%d requests)", got-before)
	}
}

// A flood of questions (anyone may ask) syncs with a peer at most once per
// 25 ms, whatever the rate of questions: 64 askers for 300 ms ask the peer
// for its checkpoint about 12 times, not as often as it answers. Each
// question is still answered after a sync that began after it was asked.
func TestQuestionFloodSyncsSpaced(t *testing.T) {
	s := newHostile(t, federation.Config{PeerTimeout: time.Hour})
	var checkpoints atomic.Int64
	honest := &hostilePeer{j: "CA-BC", key: s.peer.key, size: -1}
	s.peer.mu.Lock()
	s.peer.handler = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/log/checkpoint" {
			checkpoints.Add(1)
		}
		honest.ServeHTTP(w, r)
	}
	s.peer.mu.Unlock()
	l := federation.NewLookups(s.fed)
	q := equivalence.Question{BN: "111111118", Host: "CA-BC", Use: equivalence.UseWork}
	start := time.Now()
	var asked atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for time.Since(start) < 300*time.Millisecond {
				if _, err := l.RecognizeFresh(t.Context(), q); err != nil {
					t.Error(err)
					return
				}
				asked.Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	limit := int64(took/(25*time.Millisecond)) + 2
	if n := checkpoints.Load(); n == 0 || n > limit {
		t.Errorf("%d questions in %v asked the peer for its checkpoint %d times; want 1 to %d", asked.Load(), took, n, limit)
	}
	t.Logf("%d questions in %v: %d checkpoint requests", asked.Load(), took, checkpoints.Load())
}
