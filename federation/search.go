package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/node"
)

// SearchQuery asks for certificates across the federation by exactly one of
// BN, Number or Name (case- and accent-insensitive prefix).
type SearchQuery struct {
	BN     string
	Number string
	Name   string
	AsOf   registry.Date // zero: today in the answering node's jurisdiction
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
	Status       string                `json:"status" enum:"ok,error,timeout,unverified"`
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
	if q.AsOf.IsZero() {
		q.AsOf = n.Today()
	}
	if q.Limit <= 0 || q.Limit > node.MaxLimit {
		q.Limit = 50
	}
	res := SearchResult{AsOf: q.AsOf, Certificates: []Found{}}
	fresh, err := l.freshness(ctx)
	if err != nil {
		return res, err
	}
	freshOf := map[registry.Jurisdiction]*Freshness{}
	for i := range fresh {
		freshOf[fresh[i].Jurisdiction] = &fresh[i]
	}
	srcs := l.sources()
	if !q.Live {
		err := n.DB().View(ctx, func(tx *boltstore.Tx) error {
			for i, s := range srcs {
				found, err := searchLog(tx.Log(s.log), s.iss, q)
				if err != nil {
					return fmt.Errorf("%s: %w", s.log, err)
				}
				src := "replica"
				if i == 0 {
					src = "self"
				}
				res.Certificates = append(res.Certificates, found...)
				res.Members = append(res.Members, MemberResult{Jurisdiction: s.iss, Source: src, Status: "ok", Found: len(found), Freshness: freshOf[s.iss]})
			}
			return nil
		})
		return res, err
	}
	// Live: self from the store, peers over HTTP in parallel, each with its
	// own timeout; a dead, slow or lying peer makes the answer partial.
	results := make([]MemberResult, len(srcs))
	founds := make([][]Found, len(srcs))
	err = n.DB().View(ctx, func(tx *boltstore.Tx) error {
		f, err := searchLog(tx.Log(srcs[0].log), srcs[0].iss, q)
		founds[0] = f
		results[0] = MemberResult{Jurisdiction: srcs[0].iss, Source: "self", Status: "ok", Found: len(f), Freshness: freshOf[srcs[0].iss]}
		return err
	})
	if err != nil {
		return res, err
	}
	var wg sync.WaitGroup
	for i, s := range srcs[1:] {
		wg.Add(1)
		go func(i int, j registry.Jurisdiction) {
			defer wg.Done()
			f, mr := l.searchPeer(ctx, j, q)
			founds[i], results[i] = f, mr
		}(i+1, s.iss)
	}
	wg.Wait()
	for i := range srcs {
		res.Certificates = append(res.Certificates, founds[i]...)
		res.Members = append(res.Members, results[i])
		if results[i].Status != "ok" {
			res.Partial = true
		}
	}
	return res, nil
}

func searchLog(lg *boltstore.Log, iss registry.Jurisdiction, q SearchQuery) ([]Found, error) {
	ids, _, err := node.CandidateCertificates(lg, node.Query{BN: q.BN, Number: q.Number, Name: q.Name})
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, id := range ids {
		if len(out) >= q.Limit {
			break
		}
		e, err := lg.Latest(registry.KindCertificate, id)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var c registry.Certificate
		if err := json.Unmarshal(e.Record, &c); err != nil {
			return nil, err
		}
		if c.Jurisdiction != iss {
			continue
		}
		out = append(out, Found{Evidence: Evidence{Ref: e.Ref(), JWS: e.JWS}, Certificate: c, StatusAsOf: c.StatusOn(q.AsOf)})
	}
	return out, nil
}

// searchPeer asks peer j for certificates now and keeps only records whose
// signature verifies against j's pinned keys.
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
	cfg := l.fed.cfgForLookups()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/certificates?"+v.Encode(), nil)
	if err != nil {
		mr.Status, mr.Error = "error", err.Error()
		return nil, mr
	}
	req.Header.Set("Accept", "application/json")
	resp, err := cfg.client.Do(req)
	if err != nil {
		mr.Status, mr.Error = "error", err.Error()
		if isTimeout(ctx, err) {
			mr.Status, mr.Error = "timeout", fmt.Sprintf("no answer within %s", cfg.timeout)
		}
		return nil, mr
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, cfg.maxBytes+1))
	switch {
	case err != nil && isTimeout(ctx, err):
		mr.Status, mr.Error = "timeout", fmt.Sprintf("no complete answer within %s", cfg.timeout)
		return nil, mr
	case err != nil:
		mr.Status, mr.Error = "error", err.Error()
		return nil, mr
	case int64(len(body)) > cfg.maxBytes:
		mr.Status, mr.Error = "error", fmt.Sprintf("response larger than %d bytes", cfg.maxBytes)
		return nil, mr
	case resp.StatusCode != http.StatusOK:
		mr.Status, mr.Error = "error", fmt.Sprintf("HTTP %d", resp.StatusCode)
		return nil, mr
	}
	var page struct {
		Certificates []struct {
			JWS string `json:"jws"`
		} `json:"certificates"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		mr.Status, mr.Error = "error", "malformed answer: "+err.Error()
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
		if e.Kind != registry.KindCertificate || json.Unmarshal(e.Record, &cert) != nil || cert.Jurisdiction != j {
			mr.Status, mr.Error = "unverified", "a signed record is not a certificate of "+string(j)
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

// lookupsConfig is what live lookups borrow from the federation's config.
type lookupsConfig struct {
	client   *http.Client
	timeout  time.Duration
	maxBytes int64
}
