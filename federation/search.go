package federation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
)

// SearchQuery asks for certificates across the federation by exactly one of
// BN, Number or Name (case- and accent-insensitive prefix).
type SearchQuery struct {
	BN     string
	Number string
	Name   string
	AsOf   registry.Date // zero: today, each certificate's in its own jurisdiction
	Live   bool          // ask the peers now instead of reading the replicas
	Limit  int           // per member; default 50
}

// Validate checks that exactly one criterion is given.
func (q SearchQuery) Validate() error {
	n := 0
	for _, s := range []string{q.BN, q.Number, q.Name} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return registry.Invalid("query", "give exactly one of bn, number or name")
	}
	if q.BN != "" {
		return registry.CheckBN("query.bn", q.BN)
	}
	if q.Name != "" && registry.FoldName(q.Name) == "" {
		return registry.Invalid("query.name", "the name has no letters or digits to search for")
	}
	return nil
}

// Found is one certificate found, as its issuer signed it.
type Found struct {
	Evidence
	Certificate registry.Certificate `json:"certificate"`
	StatusAsOf  string               `json:"status_as_of"`
}

// MemberResult says what one member contributed to a search.
type MemberResult struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction"`
	Source       string                `json:"source" enum:"self,replica,live"`
	Status       string                `json:"status" enum:"ok,error,timeout,unverified,stale"`
	Error        string                `json:"error,omitempty"`
	Found        int                   `json:"found"`
	Freshness    *Freshness            `json:"freshness,omitempty"`
}

// SearchResult is a federation-wide search answer. Partial is true when a
// member could not answer: its MemberResult says why.
type SearchResult struct {
	AsOf         registry.Date  `json:"as_of"`
	Certificates []Found        `json:"certificates"`
	Members      []MemberResult `json:"members"`
	Partial      bool           `json:"partial"`
}

// Search finds certificates across the federation.
func (l *Lookups) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	if err := q.Validate(); err != nil {
		return SearchResult{}, err
	}
	n := l.fed.Node()
	// Without as_of, each certificate's status is today's where it was
	// issued (the day its pass expires on), not the answering node's.
	asOfGiven := !q.AsOf.IsZero()
	if !asOfGiven {
		q.AsOf = n.Today()
	}
	now := n.Now()
	in := func(j registry.Jurisdiction) SearchQuery {
		qj := q
		if !asOfGiven {
			qj.AsOf = node.TodayIn(j, now)
		}
		return qj
	}
	if q.Limit <= 0 || q.Limit > node.MaxLimit {
		q.Limit = 50
	}
	res := SearchResult{AsOf: q.AsOf, Certificates: []Found{}}
	srcs := l.sources()
	results := make([]MemberResult, len(srcs))
	founds := make([][]Found, len(srcs))
	var selfSize uint64
	err := n.View(ctx, func(sn node.Snapshot) error {
		selfSize = sn.Self().Size()
		for i, s := range srcs {
			if q.Live && i > 0 {
				break // the peers are asked below
			}
			found, err := l.searchLog(l.logOf(sn, s), s.iss, in(s.iss))
			if err != nil {
				return fmt.Errorf("%s: %w", s.log, err)
			}
			src := "replica"
			if i == 0 {
				src = "self"
			}
			founds[i] = found
			results[i] = MemberResult{Jurisdiction: s.iss, Source: src, Status: "ok", Found: len(found)}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	fresh, err := l.freshness(ctx, selfSize)
	if err != nil {
		return res, err
	}
	freshOf := map[registry.Jurisdiction]*Freshness{}
	for i := range fresh {
		freshOf[fresh[i].Jurisdiction] = &fresh[i]
	}
	if !q.Live {
		for i := range srcs {
			results[i].Freshness = freshOf[srcs[i].iss]
			res.Certificates = append(res.Certificates, founds[i]...)
			res.Members = append(res.Members, results[i])
		}
		return res, nil
	}
	// Live: self from the store, peers over HTTP in parallel, each with its
	// own timeout; a dead, slow or lying peer makes the answer partial.
	results[0].Freshness = freshOf[srcs[0].iss]
	// One slot of the global budget for the whole fan-out, and one
	// deadline for the whole request: a live search never costs more than
	// LiveTimeout, and no more than MaxLiveSearches run at once.
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, l.fed.cfg.LiveTimeout)
	defer cancel()
	select {
	case l.fed.live <- struct{}{}:
		defer func() { <-l.fed.live }()
	case <-ctx.Done():
		return res, fmt.Errorf("live search: %d live searches already running (the most at once): %w", cap(l.fed.live), registry.ErrUnavailable)
	}
	var wg sync.WaitGroup
	for i, s := range srcs[1:] {
		wg.Go(func() { founds[i+1], results[i+1] = l.searchPeer(ctx, s.iss, in(s.iss)) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil && errors.Is(context.Cause(ctx), context.Canceled) {
		return res, err // the client is gone
	}
	// A live answer is checked against the replica: a version older than
	// the one held, or another record at the same version, means the peer
	// served a stale or forked answer, and its part is refused. This reads
	// under the caller's context, not the fan-out's deadline: peers that
	// did not answer in time are already marked, and the answer is partial,
	// not an error.
	err = n.View(parent, func(sn node.Snapshot) error {
		for i := 1; i < len(srcs); i++ {
			if results[i].Status != "ok" {
				continue
			}
			if msg, err := staleAgainst(sn.Replica(srcs[i].iss), founds[i]); err != nil {
				return err
			} else if msg != "" {
				founds[i] = nil
				results[i].Status, results[i].Error, results[i].Found = "stale", msg, 0
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for i := range srcs {
		res.Certificates = append(res.Certificates, founds[i]...)
		res.Members = append(res.Members, results[i])
		if results[i].Status != "ok" {
			res.Partial = true
		}
	}
	return res, nil
}

// staleAgainst returns why found, a peer's live answer, contradicts the
// replica lg of that peer: a certificate at an older version than the
// replica holds, or at a version the replica holds with another JWS. ""
// means found agrees with (or is newer than) the replica.
func staleAgainst(lg registry.Log, found []Found) (string, error) {
	for _, f := range found {
		held, err := lg.Latest(f.Kind, f.ID)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		switch {
		case f.Ver < held.Ver:
			return fmt.Sprintf("served %s %s version %d, older than version %d held in the verified replica", f.Kind, f.ID, f.Ver, held.Ver), nil
		case f.Ver == held.Ver && f.JWS != held.JWS:
			return fmt.Sprintf("served %s %s version %d signed differently from the version %d held in the verified replica", f.Kind, f.ID, f.Ver, held.Ver), nil
		}
	}
	return "", nil
}

// searchLog answers q from one log of issuer iss with the node's one
// certificate search (node.SearchLog).
func (l *Lookups) searchLog(lg registry.Log, iss registry.Jurisdiction, q SearchQuery) ([]Found, error) {
	vs, err := l.fed.Node().SearchLog(lg, iss, node.Query{BN: q.BN, Number: q.Number, Name: q.Name, AsOf: q.AsOf, Limit: q.Limit})
	if err != nil {
		return nil, err
	}
	out := make([]Found, 0, len(vs))
	for _, v := range vs {
		out = append(out, Found{Evidence: Evidence{Ref: v.Entry.Ref(), JWS: v.Entry.JWS}, Certificate: v.Certificate, StatusAsOf: v.StatusAsOf})
	}
	return out, nil
}

// maxLiveAnswer bounds a peer's answer to a live search.
const maxLiveAnswer = 4 << 20

// searchPeer asks peer j for certificates now (through the peer client)
// and keeps only records whose signature verifies against j's keys.
func (l *Lookups) searchPeer(ctx context.Context, j registry.Jurisdiction, q SearchQuery) ([]Found, MemberResult) {
	mr := MemberResult{Jurisdiction: j, Source: "live"}
	base, ok := l.fed.PeerURL(j)
	keys, kok := l.fed.KeySet(j)
	if !ok || !kok {
		mr.Status, mr.Error = "error", "no URL or keys for this member"
		return nil, mr
	}
	v := url.Values{}
	switch {
	case q.BN != "":
		v.Set("bn", q.BN)
	case q.Number != "":
		v.Set("number", q.Number)
	default:
		v.Set("name", q.Name)
	}
	v.Set("as_of", q.AsOf.String())
	v.Set("limit", fmt.Sprint(q.Limit))
	var page struct {
		Certificates []struct {
			JWS string `json:"jws"`
		} `json:"certificates"`
	}
	err := l.fed.client.getJSON(ctx, base, "v1/certificates", v, min(l.fed.cfg.MaxResponseBytes, maxLiveAnswer), &page)
	switch {
	case err != nil && isTimeout(ctx, err):
		mr.Status, mr.Error = "timeout", fmt.Sprintf("no complete answer within %s", l.fed.cfg.PeerTimeout)
		return nil, mr
	case err != nil:
		mr.Status, mr.Error = "error", err.Error()
		return nil, mr
	case len(page.Certificates) > q.Limit:
		mr.Status, mr.Error = "error", fmt.Sprintf("%d certificates, asked for at most %d", len(page.Certificates), q.Limit)
		return nil, mr
	}
	var out []Found
	for _, c := range page.Certificates {
		ver, err := VerifyEntry(keys, j, c.JWS)
		if err != nil {
			mr.Status, mr.Error = "unverified", fmt.Sprintf("a record does not verify: %v", err)
			return nil, mr
		}
		e := ver.Entry()
		var cert registry.Certificate
		if e.Kind != registry.KindCertificate || strictjson.DecodeOpen(e.Record, &cert) != nil || cert.Jurisdiction != j {
			mr.Status, mr.Error = "unverified", "a signed record is not a certificate of "+string(j)
			return nil, mr
		}
		// The question asked is checked too: a peer must not pad an
		// answer with other employers' certificates. A name cannot be
		// checked from the certificate alone (the name is the
		// employer's record's).
		if q.BN != "" && cert.EmployerBN != q.BN || q.BN == "" && q.Number != "" && !strings.EqualFold(cert.Number, q.Number) {
			mr.Status, mr.Error = "unverified", fmt.Sprintf("certificate %s (employer %s, number %s) does not match the search", cert.ID, cert.EmployerBN, cert.Number)
			return nil, mr
		}
		out = append(out, Found{Evidence: Evidence{Ref: e.Ref(), JWS: e.JWS}, Certificate: cert, StatusAsOf: cert.StatusOn(q.AsOf)})
	}
	mr.Status, mr.Found = "ok", len(out)
	return out, mr
}

func isTimeout(ctx context.Context, err error) bool {
	var ne net.Error
	return ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
