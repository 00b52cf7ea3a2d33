package node

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
)

// Paged certificate search.
//
// Every plan walks an index in order (registry.Log.Walk) and stops at the
// page, so a request costs O(log n) to seek plus what it reads, whatever
// the registry's size:
//
//   - bn and/or number: the (small) sets of the certificates of one
//     employer or number, in id order; total is exact;
//   - name: the folded-name index from the prefix, each employer's
//     certificates in id order; total is not known;
//   - status (with or without program): the status timeline index (key
//     "stp" below; every program's walk merged when none is asked), from
//     the date asked; total is not known;
//   - program only, or no filter: the program index ("p"); total is exact
//     with no filter (the store's record count), not known for a program.
//
// A page reads at most searchBudget(limit) index entries or certificates;
// a page that reaches it before it is full ends early with a cursor, so a
// sparse filter (a past date, a rare status of a common program) answers
// in bounded steps rather than scanning.

// statusKeys indexes a certificate's status timeline: one key per span of
// days with one status (StatusOnDate), "stp" = program/status/until/from,
// dates YYYY-MM-DD (0000-01-01 and 9999-12-31 for open ends). A search
// for status S of program P on date d walks P/S/d... onward: spans still
// running on d come first (ordered by their end), and a span starting
// after d is skipped. A search for status S in every program merges the
// walks of each program (registry.CertificatePrograms, two), in the order
// one index of status/until/from would have: no key per span for it,
// since each key is a random write into a large B+tree (a page written)
// when business numbers and certificate numbers arrive in no order.
// "p" = program indexes every certificate once. (A store written before
// holds "st" = status/until/from keys too: nothing reads them, a
// certificate's next version drops its own, and corfed reindex drops all.)
func statusKeys(c registry.Certificate) []registry.IndexKey {
	keys := []registry.IndexKey{{Name: "p", Value: c.Program}}
	for _, s := range statusSpans(c) {
		v := s.status + "/" + s.until + "/" + s.from
		keys = append(keys, registry.IndexKey{Name: "stp", Value: c.Program + "/" + v})
	}
	return keys
}

const (
	openFrom  = "0000-01-01"
	openUntil = "9999-12-31"
)

type span struct{ status, from, until string }

// statusSpans returns the spans of days over which c's status on a date
// (StatusOnDate) is constant, in date order. It changes only on the issue
// date, a history step's date and the day after expiry.
func statusSpans(c registry.Certificate) []span {
	var bs []registry.Date
	add := func(d registry.Date) {
		if !d.IsZero() {
			bs = append(bs, d)
		}
	}
	add(c.IssuedOn)
	for _, h := range c.History {
		add(h.On)
	}
	if !c.ExpiresOn.IsZero() {
		add(c.ExpiresOn.AddDays(1))
	}
	slices.SortFunc(bs, registry.Date.Compare)
	bs = slices.Compact(bs)
	if len(bs) == 0 {
		return []span{{StatusOnDate(c, registry.Date{}), openFrom, openUntil}}
	}
	out := []span{{StatusOnDate(c, bs[0].AddDays(-1)), openFrom, bs[0].AddDays(-1).String()}}
	for i, b := range bs {
		st := StatusOnDate(c, b)
		if last := &out[len(out)-1]; last.status == st {
			last.until = openUntil
		} else {
			out = append(out, span{st, b.String(), openUntil})
		}
		if i+1 < len(bs) {
			out[len(out)-1].until = bs[i+1].AddDays(-1).String()
		}
	}
	return out
}

// SearchResult is a page of a certificate search.
type SearchResult struct {
	Certificates []CertificateView
	// Next is the cursor of the next page; empty when there is none.
	Next string
	// Total is the number of matches: exact when TotalExact, else a lower
	// bound (a bounded count stopped at the node's count cap, see
	// countMatches).
	Total      int
	TotalExact bool
}

// DefaultSearchCountCap is how many index entries or certificates the
// count of a name, status or program search reads at most (Config.
// SearchCountCap): its cost is bounded whatever the registry's size, and
// a search with more matches answers "at least" the count reached. 200:
// a person reads "at least 200" as well as "at least 1,000", and a
// common word's count (whose matches grow with the registry until they
// reach the cap) costs a fifth: at 1,000 a name search's cost at 1M
// records was 5x its cost at 10k (review s29-g).
const DefaultSearchCountCap = 200

func (n *Node) countCap() int {
	if n.cfg.SearchCountCap > 0 {
		return n.cfg.SearchCountCap
	}
	return DefaultSearchCountCap
}

// searchBudget bounds the index entries and certificates one page reads.
func searchBudget(limit int) int { return 20*limit + 200 }

// cursor is a position in a search, opaque to clients: base64url of its
// JSON, a dot and a checksum. F fingerprints the filters it was made for;
// D is the date the first page answered on (kept when as_of is not given,
// so the pages of one search answer on one date).
type cursor struct {
	F  string `json:"f"`
	D  string `json:"d"`
	V  string `json:"v,omitempty"`
	K  string `json:"k,omitempty"`
	I  string `json:"i,omitempty"`
	C  string `json:"c,omitempty"` // name search: the last certificate read of employer I
	In bool   `json:"n,omitempty"` // name search: resume inside employer I, after C
	// T is the total the first page counted (T-1; 0: none), X whether it
	// is exact: later pages repeat it rather than count again.
	T int  `json:"t,omitempty"`
	X bool `json:"x,omitempty"`
}

// cursorKey keys the cursors' checksum. It is public (in the source), so
// the sum catches a cursor mangled in transit or edited by hand, not a
// forged one: nothing rests on a cursor's authenticity. Every list is
// public, each page has a budget whatever the cursor says, the filters are
// fingerprinted again on each page, and a forged total (T) changes only
// the total echoed back to the one who forged it.
var cursorKey = sha256.Sum256([]byte("corfed search cursor v1"))

func cursorSum(b []byte) []byte {
	m := hmac.New(sha256.New, cursorKey[:])
	m.Write(b)
	return m.Sum(nil)[:12]
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(cursorSum(b))
}

func badCursor(format string, args ...any) error {
	return registry.Invalid("query.cursor", format, args...)
}

// decodeCursor decodes a search cursor (decodeAnyCursor, with a date).
func decodeCursor(s string) (cursor, error) {
	c, err := decodeAnyCursor(s)
	if err != nil {
		return cursor{}, err
	}
	if _, err := registry.ParseDate(c.D); err != nil {
		return cursor{}, badCursor("the cursor is not one this node gave; pass the next cursor of a previous page unchanged")
	}
	return c, nil
}

// decodeAnyCursor decodes a cursor of a search or a list (pages.go),
// checking its checksum.
func decodeAnyCursor(s string) (cursor, error) {
	var c cursor
	body, sum, ok := strings.Cut(s, ".")
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	got, err2 := base64.RawURLEncoding.DecodeString(sum)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(got, cursorSum(b)) || json.Unmarshal(b, &c) != nil ||
		strings.ContainsRune(c.V+c.K+c.I+c.C, 0) {
		return cursor{}, badCursor("the cursor is not one this node gave; pass the next cursor of a previous page unchanged")
	}
	return c, nil
}

// fingerprint identifies a query's filters (not its limit or cursor).
func fingerprint(q Query, asOfGiven bool) string {
	as := ""
	if asOfGiven {
		as = q.AsOf.String()
	}
	h := sha256.Sum256([]byte(strings.Join([]string{q.BN, strings.ToLower(q.Number), registry.NameKey(q.Name), q.Status, q.Program, as}, "\x00")))
	return base64.RawURLEncoding.EncodeToString(h[:9])
}

// searchPage answers one page of q in log l (certificates of iss), with
// the total when withTotal.
func (n *Node) searchPage(l registry.Log, iss registry.Jurisdiction, q Query, withTotal bool) (SearchResult, error) {
	asOfGiven := !q.AsOf.IsZero()
	if !asOfGiven {
		q.AsOf = n.Today()
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, MaxLimit)
	fp := fingerprint(q, asOfGiven)
	var cur cursor
	if q.Cursor != "" {
		var err error
		if cur, err = decodeCursor(q.Cursor); err != nil {
			return SearchResult{}, err
		}
		if cur.F != fp {
			return SearchResult{}, badCursor("the cursor belongs to a search with other filters; repeat its filters, or start again without a cursor")
		}
		if !asOfGiven {
			q.AsOf = registry.MustDate(cur.D)
		}
	}
	s := &pager{n: n, l: l, iss: iss, q: q, budget: searchBudget(q.Limit), out: SearchResult{Total: -1}}
	s.cur = cursor{F: fp, D: q.AsOf.String()}
	if err := s.run(cur); err != nil {
		return SearchResult{}, err
	}
	switch {
	case s.out.Total >= 0: // bn/number: counted while paging
		s.out.TotalExact = true
	case q.BN == "" && q.Number == "" && q.Name == "" && q.Status == "" && q.Program == "" && iss == n.cfg.Jurisdiction:
		s.out.Total, s.out.TotalExact = l.Count(registry.KindCertificate), true
	case withTotal && cur.T > 0: // counted by the first page
		s.out.Total, s.out.TotalExact = cur.T-1, cur.X
	case withTotal:
		var err error
		if s.out.Total, s.out.TotalExact, err = n.countMatches(l, iss, q); err != nil {
			return SearchResult{}, err
		}
	}
	if s.more {
		if withTotal && s.out.Total >= 0 {
			s.cur.T, s.cur.X = s.out.Total+1, s.out.TotalExact
		}
		s.out.Next = s.cur.encode()
	}
	return s.out, nil
}

// run reads the page after cur with the plan that serves s.q's filters.
func (s *pager) run(cur cursor) error {
	q := s.q
	switch {
	case q.BN != "" || q.Number != "":
		return s.byKeys(cur)
	case q.Name != "":
		return s.byName(cur)
	case q.Status != "":
		return s.byStatus(cur)
	default:
		return s.byProgram(cur)
	}
}

// countMatches counts q's matches from the search's start by walking its
// plan as a page of countCap matches would, reading at most countCap index
// entries and certificates: exact when the walk ended within that, else
// the matches it reached (a lower bound). Its cost is bounded by the cap,
// whatever the registry's size.
func (n *Node) countMatches(l registry.Log, iss registry.Jurisdiction, q Query) (int, bool, error) {
	capN := n.countCap()
	q.Limit = capN
	c := &pager{n: n, l: l, iss: iss, q: q, budget: capN, count: true}
	// In the node's own feed every certificate is of its jurisdiction, and
	// a hit of the status timeline or program index matches the status
	// (the span runs on the date) and program its key names; a name hit
	// matches when no status or program is asked. Those counts read the
	// index alone; the others read each certificate.
	c.trustIndex = iss == n.cfg.Jurisdiction && (q.Name == "" || q.Status == "" && q.Program == "")
	if err := c.run(cursor{}); err != nil {
		return 0, false, err
	}
	return c.kept, !c.more, nil
}

// pager collects one page.
type pager struct {
	n      *Node
	l      registry.Log
	iss    registry.Jurisdiction
	q      Query
	budget int
	out    SearchResult
	cur    cursor // the position after the last certificate read
	more   bool   // a next page may have matches
	kept   int    // matches taken
	count  bool   // count matches only (countMatches): keep no views
	// trustIndex counts an index hit as a match without reading the
	// certificate, where the index says all the filters do (countMatches).
	trustIndex bool
}

// take reads certificate id (the newest version) and keeps it if it
// matches. It reports whether the page wants more: false once it is full
// or the budget is spent (then more is set).
func (s *pager) take(id string) (bool, error) {
	if s.kept == s.q.Limit || s.budget == 0 {
		s.more = true
		return false, nil
	}
	s.budget--
	if s.trustIndex {
		s.kept++ // the index hit is a match (countMatches)
		return true, nil
	}
	e, err := s.l.Latest(registry.KindCertificate, id)
	if errors.Is(err, registry.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	v, err := s.n.view(e, s.q.AsOf)
	if err != nil {
		return false, err
	}
	if v.Certificate.Jurisdiction == s.iss && matches(v, s.q) {
		s.kept++
		if !s.count {
			s.out.Certificates = append(s.out.Certificates, v)
		}
	}
	return true, nil
}

// byKeys pages the certificates a BN and/or number names (a bounded set),
// in id order, and counts them all.
func (s *pager) byKeys(cur cursor) error {
	ids, err := certificatesByKeys(s.l, s.q)
	if err != nil {
		return err
	}
	name := registry.NameKey(s.q.Name)
	s.out.Total = 0
	for _, id := range ids {
		e, err := s.l.Latest(registry.KindCertificate, id)
		if errors.Is(err, registry.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		v, err := s.n.view(e, s.q.AsOf)
		if err != nil {
			return err
		}
		if v.Certificate.Jurisdiction != s.iss || !matches(v, s.q) {
			continue
		}
		if name != "" {
			first, err := s.firstName(v.Certificate.EmployerBN, name)
			if err != nil && !errors.Is(err, registry.ErrNotFound) {
				return err
			}
			if first == "" {
				continue
			}
		}
		s.out.Total++
		if id <= cur.I && cur.I != "" {
			continue
		}
		if len(s.out.Certificates) == s.q.Limit {
			s.more = true
			continue
		}
		s.out.Certificates = append(s.out.Certificates, v)
		s.cur.I = id
	}
	return nil
}

// walk walks index name from prefix after position from, calling fn with
// each hit; fn returns whether to go on. It stops when fn says so.
func (s *pager) walk(name, prefix string, from registry.IndexHit, fn func(registry.IndexHit) (bool, error)) error {
	var ferr error
	err := s.l.Walk(name, prefix, from, func(h registry.IndexHit) bool {
		var more bool
		more, ferr = fn(h)
		return more && ferr == nil
	})
	if err != nil {
		return err
	}
	return ferr
}

func (c cursor) hit() registry.IndexHit {
	return registry.IndexHit{Value: c.V, Ref: registry.RecordRef{Kind: registry.Kind(c.K), ID: c.I}}
}

func (s *pager) at(h registry.IndexHit) {
	s.cur.V, s.cur.K, s.cur.I = h.Value, string(h.Ref.Kind), h.Ref.ID
}

// byStatus walks the status timeline index from the spans running on
// q.AsOf: q.Program's, or every program's merged. Its positions (cursor,
// at) are status/until/from values, without the program.
func (s *pager) byStatus(cur cursor) error {
	from := cur.hit()
	if cur.V == "" {
		from = registry.IndexHit{Value: s.q.Status + "/" + s.q.AsOf.String()} // before the first span ending on AsOf
	}
	programs := []string{s.q.Program}
	if s.q.Program == "" {
		programs = registry.CertificatePrograms()
	}
	day := s.q.AsOf.String()
	return s.mergeWalks("stp", programs, s.q.Status+"/", from, func(h registry.IndexHit) (bool, error) {
		if h.Ref.Kind != registry.KindCertificate {
			return true, nil
		}
		// h.Value is status/until/from; until >= day by the walk's start.
		start := h.Value[strings.LastIndexByte(h.Value, '/')+1:]
		if start > day {
			if s.budget == 0 {
				s.more = true
				return false, nil
			}
			s.budget--
			s.at(h)
			return true, nil
		}
		more, err := s.take(h.Ref.ID)
		if more {
			s.at(h)
		}
		return more, err
	})
}

// mergeWalks walks index name once per group g (values g + "/" +
// prefix...), after g + "/" + from.Value, and calls fn with every hit in
// (value, kind, id) order of the values less their group's "g/", as one
// walk of an index without the groups would: a merge of the groups' walks,
// each read as the merge needs it. fn returns whether to go on.
func (s *pager) mergeWalks(name string, groups []string, prefix string, from registry.IndexHit,
	fn func(registry.IndexHit) (bool, error)) error {
	type head struct {
		cut  int // len(group) + 1
		hit  registry.IndexHit
		next func() (registry.IndexHit, bool)
		stop func()
		err  *error
	}
	var heads []*head
	defer func() {
		for _, h := range heads {
			h.stop()
		}
	}()
	for _, g := range groups {
		h := &head{cut: len(g) + 1, err: new(error)}
		after := from
		after.Value = g + "/" + from.Value
		h.next, h.stop = iter.Pull(func(yield func(registry.IndexHit) bool) {
			*h.err = s.l.Walk(name, g+"/"+prefix, after, yield)
		})
		heads = append(heads, h)
	}
	// advance moves h to its next hit; false when its walk has ended.
	advance := func(h *head) (bool, error) {
		hit, ok := h.next()
		if !ok {
			return false, *h.err
		}
		hit.Value = hit.Value[h.cut:]
		h.hit = hit
		return true, nil
	}
	live := heads[:0:0]
	for _, h := range heads {
		ok, err := advance(h)
		if err != nil {
			return err
		}
		if ok {
			live = append(live, h)
		}
	}
	for len(live) > 0 {
		i := 0
		for j := 1; j < len(live); j++ {
			if hitLess(live[j].hit, live[i].hit) {
				i = j
			}
		}
		more, err := fn(live[i].hit)
		if err != nil || !more {
			return err
		}
		ok, err := advance(live[i])
		if err != nil {
			return err
		}
		if !ok {
			live = slices.Delete(live, i, i+1)
		}
	}
	return nil
}

// hitLess orders index hits as an index does: by value, kind, id (bytes).
func hitLess(a, b registry.IndexHit) bool {
	if a.Value != b.Value {
		return a.Value < b.Value
	}
	if a.Ref.Kind != b.Ref.Kind {
		return a.Ref.Kind < b.Ref.Kind
	}
	return a.Ref.ID < b.Ref.ID
}

// byProgram walks the program index: one program's certificates, or every
// certificate, in (program, id) order.
func (s *pager) byProgram(cur cursor) error {
	return s.walk("p", s.q.Program, cur.hit(), func(h registry.IndexHit) (bool, error) {
		if s.q.Program != "" && h.Value != s.q.Program {
			return false, nil // a longer program name: past this program
		}
		if h.Ref.Kind != registry.KindCertificate {
			return true, nil
		}
		more, err := s.take(h.Ref.ID)
		if more {
			s.at(h)
		}
		return more, err
	})
}

// byName walks the name index (registry.NameKey) from the prefix: each employer once
// (at its first matching name), its certificates in id order. A page that
// fills inside an employer resumes inside it (cursor.In, after cursor.C).
func (s *pager) byName(cur cursor) error {
	prefix := registry.NameKey(s.q.Name)
	from := cur.hit()
	if cur.In {
		from.Ref.ID = "" // just before the employer's own hit
	}
	// An employer is listed once, at its first name that matches; a count
	// (which always walks from the prefix) knows it from the employers it
	// met, without reading each one (a page may start after that name).
	var met map[string]bool
	if s.count {
		met = map[string]bool{}
	}
	return s.walk("name", prefix, from, func(h registry.IndexHit) (bool, error) {
		if h.Ref.Kind != registry.KindEmployer {
			return true, nil
		}
		if s.budget == 0 {
			s.more = true
			return false, nil
		}
		s.budget--
		if met != nil {
			if met[h.Ref.ID] {
				return true, nil
			}
			met[h.Ref.ID] = true
		} else if first, err := s.firstName(h.Ref.ID, prefix); err != nil || first != h.Value {
			return err == nil, err // listed at its first matching name
		}
		refs, err := s.l.Lookup("bn", h.Ref.ID, false, 10*MaxLimit)
		if err != nil {
			return false, err
		}
		after := ""
		if cur.In && h == cur.hit() {
			after = cur.C
		}
		for _, r := range refs {
			if r.Kind != registry.KindCertificate || after != "" && r.ID <= after {
				continue
			}
			more, err := s.take(r.ID)
			if err != nil {
				return false, err
			}
			if !more {
				s.at(h)
				s.cur.In, s.cur.C = true, after
				return false, nil
			}
			after = r.ID
		}
		s.at(h)
		s.cur.In, s.cur.C = false, ""
		return true, nil
	})
}

// firstName returns the smallest folded name of employer bn that starts
// with prefix (the hit the employer is listed at).
func (s *pager) firstName(bn, prefix string) (string, error) {
	e, err := s.l.Latest(registry.KindEmployer, bn)
	if err != nil {
		return "", err
	}
	emp, err := decode[registry.Employer](e)
	if err != nil {
		return "", err
	}
	first := ""
	for _, k := range employerKeys(emp) {
		if k.Name == "name" && strings.HasPrefix(k.Value, prefix) && (first == "" || k.Value < first) {
			first = k.Value
		}
	}
	return first, nil
}
