package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Bulk match: many rows, each an employer named by one of its identifiers
// or its name, answered from the node's own records and the verified
// replicas (the same sources as Search) in one read transaction.
//
// Match states and confidence:
//
//   - found: one employer (one BN) matches well: by certificate number,
//     BN or WCB account (confidence 1; an account its record lists open on
//     the answer's as_of: a closed or moved account is not its former
//     holder's), or by name with the same legal form
//     (0.95: "Prairie Steel Limited" for "Prairie Steel Ltd.") or with no
//     legal form asked (0.9: "prairie steel" for "Prairie Steel Ltd.").
//   - ambiguous: several employers match equally well (a certificate
//     number two issuers use, a name two employers share); the confidence
//     is the best score divided by the number of employers at that score.
//   - possible: only weak name matches: the same name with another legal
//     form (0.75: "Acme Inc." for "Acme Ltd."), or a near miss, a core name
//     within a small edit distance (0.7 times the similarity, so at most
//     0.7: "Prarie Steel" for "Prairie Steel").
//   - not_found: nothing above 0.55.
//
// Names compare accent-, case- and punctuation-insensitively
// (registry.FoldName), with legal forms in English and French made equal
// (registry.SplitName: Ltd/Limited/Ltée, Inc/Incorporated/Incorporée,
// Corp/Corporation, Co/Company/Compagnie/Cie). Every lookup reads the
// indexes with a bound: nothing grows with the size of the registry.

// Match states.
const (
	MatchFound     = "found"
	MatchAmbiguous = "ambiguous"
	MatchPossible  = "possible"
	MatchNotFound  = "not_found"
)

// MaxMatchRows bounds a bulk match.
const MaxMatchRows = 1000

// MaxMatchesPerRow bounds the matches an answer lists for a row, the best
// first; matches_total counts them all.
const MaxMatchesPerRow = 10

// Scores (see above).
const (
	scoreID         = 1.0
	scoreName       = 0.95
	scoreNameNoForm = 0.9
	scoreOtherForm  = 0.75
	scoreNearMax    = 0.7
	scoreStrong     = 0.9  // at or above: found or ambiguous
	scoreMin        = 0.55 // below: not a match
	nameCandidates  = 200  // index entries read per name lookup
)

// MatchRow is one row to match: give one of CertificateNumber, BN,
// WCBAccount or Name (if several are given, the first in that order is
// used). Jurisdiction, when given, keeps only that member's records.
type MatchRow struct {
	BN                string                `json:"bn,omitempty" maxLength:"9" doc:"Employer BN9."`
	Name              string                `json:"name,omitempty" maxLength:"300" doc:"Legal or operating name; accents, case, punctuation and legal form (Ltd/Limited/Ltée, Inc, Corp, Co) do not matter."`
	WCBAccount        string                `json:"wcb_account,omitempty" maxLength:"32" doc:"A WCB account number (dashes and spaces ignored). It matches an employer whose record lists the account open on as_of: an account closed on an employer's record (or moved to another employer) does not match it after the day it was closed."`
	CertificateNumber string                `json:"certificate_number,omitempty" maxLength:"32" doc:"A certificate number as its issuer wrote it (case-insensitive)."`
	Jurisdiction      registry.Jurisdiction `json:"jurisdiction,omitempty" doc:"Only this member's records (ISO 3166-2:CA)."`
	WCBJurisdiction   registry.Jurisdiction `json:"wcb_jurisdiction,omitempty" doc:"With wcb_account: the province whose board holds the account (ISO 3166-2:CA); only an account an employer's record lists in that province matches. A number means nothing without its board: two provinces' boards may use one number."`
}

// Validate checks the row; field is its location ("body.rows[3]"). It
// reports every problem found at once (registry.ValidationErrors).
func (r MatchRow) Validate(field string) error {
	var errs []error
	if r.BN == "" && strings.TrimSpace(r.Name) == "" && r.WCBAccount == "" && r.CertificateNumber == "" {
		errs = append(errs, registry.Invalid(field, "give one of bn, name, wcb_account or certificate_number"))
	}
	if r.BN != "" {
		if err := registry.CheckBN(field+".bn", r.BN); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Name != "" && registry.FoldName(r.Name) == "" {
		errs = append(errs, registry.Invalid(field+".name", "the name has no letters or digits to match"))
	}
	if r.WCBAccount != "" && registry.FoldWCB(r.WCBAccount) == "" {
		errs = append(errs, registry.Invalid(field+".wcb_account", "the WCB account has no letters or digits"))
	}
	if r.Jurisdiction != "" && !r.Jurisdiction.Valid() {
		errs = append(errs, registry.Invalid(field+".jurisdiction", "%q is not an ISO 3166-2:CA code", r.Jurisdiction))
	}
	switch {
	case r.WCBJurisdiction == "":
	case !r.WCBJurisdiction.Valid():
		errs = append(errs, registry.Invalid(field+".wcb_jurisdiction", "%q is not an ISO 3166-2:CA code", r.WCBJurisdiction))
	case r.WCBAccount == "":
		errs = append(errs, registry.Invalid(field+".wcb_jurisdiction", "goes with wcb_account: the province whose board holds the account"))
	}
	return registry.JoinInvalid(errs...)
}

// MatchedCertificate is a certificate of a matched employer with its
// status on the answer's date.
type MatchedCertificate struct {
	Evidence
	Number     string        `json:"number"`
	Issuer     string        `json:"issuer"`
	Program    string        `json:"program"`
	ExpiresOn  registry.Date `json:"expires_on"`
	StatusAsOf string        `json:"status_as_of" doc:"Status on as_of (today by default), from the signed history."`
	IAFStatus  string        `json:"iaf_status_as_of,omitempty" doc:"status_as_of in IAF CertSearch's vocabulary."`
}

// Match is one employer of one member that matches a row.
type Match struct {
	Jurisdiction    registry.Jurisdiction `json:"jurisdiction"`
	BN              string                `json:"bn"`
	LegalName       string                `json:"legal_name,omitempty"`
	MatchedOn       string                `json:"matched_on" enum:"certificate_number,bn,wcb_account,name,name_other_form,name_similar"`
	MatchedName     string                `json:"matched_name,omitempty" doc:"The name of the employer that matched, for name matches."`
	WCBJurisdiction registry.Jurisdiction `json:"wcb_jurisdiction,omitempty" doc:"For a match by WCB account: the province the employer's record lists the account in."`
	Score           float64               `json:"score"`
	Employer        *Evidence             `json:"employer,omitempty" doc:"The employer record as its issuer signed it."`
	Certificates    []MatchedCertificate  `json:"certificates"`

	lg   registry.Log // the member's log it was found in, to fill it from
	only []string     // the certificates it was found by (nil: all of its own)
}

// MatchResult answers one row.
type MatchResult struct {
	State        string  `json:"state" enum:"found,ambiguous,possible,not_found"`
	Confidence   float64 `json:"confidence"`
	Matches      []Match `json:"matches" doc:"The best matches, at most 10, best first."`
	MatchesTotal int     `json:"matches_total" doc:"How many employers matched (score 0.55 or more): more than matches lists when over 10."`
}

// MatchAnswer answers a bulk match, row for row.
type MatchAnswer struct {
	AsOf      registry.Date `json:"as_of"`
	Results   []MatchResult `json:"results"`
	Freshness []Freshness   `json:"freshness" doc:"How fresh each member's data is."`
}

// Match answers rows (at most MaxMatchRows) across the federation, with
// certificate statuses on asOf (zero: today). Rows must be valid
// (MatchRow.Validate).
func (l *Lookups) Match(ctx context.Context, rows []MatchRow, asOf registry.Date) (MatchAnswer, error) {
	if len(rows) > MaxMatchRows {
		return MatchAnswer{}, registry.Invalid("body.rows", "at most %d rows per request, got %d", MaxMatchRows, len(rows))
	}
	var errs []error // every bad row at once
	for i, r := range rows {
		if err := r.Validate(fmt.Sprintf("body.rows[%d]", i)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := registry.JoinInvalid(errs...); err != nil {
		return MatchAnswer{}, err
	}
	n := l.fed.Node()
	if asOf.IsZero() {
		asOf = n.Today()
	}
	ans := MatchAnswer{AsOf: asOf, Results: make([]MatchResult, len(rows))}
	srcs := l.sources()
	var selfSize uint64
	err := n.View(ctx, func(sn node.Snapshot) error {
		selfSize = sn.Self().Size()
		for i, r := range rows {
			if err := ctx.Err(); err != nil {
				return err
			}
			var ms []Match
			for _, s := range srcs {
				if r.Jurisdiction != "" && r.Jurisdiction != s.iss {
					continue
				}
				m, err := matchLog(l.logOf(sn, s), s.iss, r, asOf)
				if err != nil {
					return fmt.Errorf("%s: %w", s.log, err)
				}
				ms = append(ms, m...)
			}
			res := judge(ms)
			// Only the matches listed are read (a name like a few hundred
			// others had each of them read, its certificates too).
			res.Matches = res.Matches[:min(len(res.Matches), MaxMatchesPerRow)]
			for j := range res.Matches {
				m := &res.Matches[j]
				if err := fillMatch(m.lg, m.Jurisdiction, m, m.only, asOf); err != nil {
					return fmt.Errorf("%s: %w", m.Jurisdiction, err)
				}
				m.lg, m.only = nil, nil // the log is the read transaction's
			}
			ans.Results[i] = res
		}
		return nil
	})
	if err != nil {
		return ans, err
	}
	ans.Freshness, err = l.freshness(ctx, selfSize)
	return ans, err
}

// judge turns a row's matches into its state and confidence, best first.
func judge(ms []Match) MatchResult {
	ms = slices.DeleteFunc(ms, func(m Match) bool { return m.Score < scoreMin })
	slices.SortStableFunc(ms, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.BN+string(a.Jurisdiction), b.BN+string(b.Jurisdiction))
	})
	if len(ms) == 0 {
		return MatchResult{State: MatchNotFound, Matches: []Match{}}
	}
	best := ms[0].Score
	// The same BN in several members is one employer.
	top := map[string]bool{}
	for _, m := range ms {
		if m.Score == best {
			top[m.BN] = true
		}
	}
	res := MatchResult{Matches: ms, MatchesTotal: len(ms), Confidence: best}
	switch {
	case best < scoreStrong:
		res.State = MatchPossible
		if len(top) > 1 {
			res.Confidence = round2(best / float64(len(top)))
		}
	case len(top) == 1:
		res.State = MatchFound
	default:
		res.State = MatchAmbiguous
		res.Confidence = round2(best / float64(len(top)))
	}
	return res
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// matchLog finds the employers of one log that match r on asOf, scored;
// Match fills the ones it lists.
func matchLog(lg registry.Log, iss registry.Jurisdiction, r MatchRow, asOf registry.Date) ([]Match, error) {
	byBN := map[string]*Match{}
	var order []string
	add := func(bn, on, name string, score float64) {
		if m, ok := byBN[bn]; ok {
			if score > m.Score {
				m.Score, m.MatchedOn, m.MatchedName = score, on, name
			}
			return
		}
		byBN[bn] = &Match{Jurisdiction: iss, BN: bn, MatchedOn: on, MatchedName: name, Score: score}
		order = append(order, bn)
	}
	// certs restricts a match to the certificates found by identifier.
	certsOf := map[string][]string{}
	switch {
	case r.CertificateNumber != "":
		refs, err := lg.Lookup("number", strings.ToLower(r.CertificateNumber), false, node.MaxLimit)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			if ref.Kind != registry.KindCertificate {
				continue
			}
			c, _, err := latestCert(lg, ref.ID)
			if err != nil || c.Jurisdiction != iss {
				if err != nil && !errors.Is(err, registry.ErrNotFound) {
					return nil, err
				}
				continue
			}
			add(c.EmployerBN, "certificate_number", "", scoreID)
			certsOf[c.EmployerBN] = append(certsOf[c.EmployerBN], ref.ID)
		}
	case r.BN != "":
		refs, err := lg.Lookup("bn", r.BN, false, 1)
		if err != nil {
			return nil, err
		}
		if len(refs) > 0 {
			add(r.BN, "bn", "", scoreID)
		}
	case r.WCBAccount != "":
		key := registry.FoldWCB(r.WCBAccount)
		refs, err := lg.Lookup("wcb", key, false, node.MaxLimit)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			// An employer matches by an account its latest record
			// lists open on asOf (in the province asked, if one is):
			// an account closed on its record, or moved to another
			// employer, is not its account after it was closed, and
			// its former holder is not a hint worth giving (it would
			// come with that holder's certificates). A certificate
			// naming the account counts only as its employer's
			// account in the certificate's province, which it names
			// when written, so one stored before that check (or a
			// peer's) with an account the employer does not hold
			// makes no holder.
			bn, in := ref.ID, r.WCBJurisdiction
			switch ref.Kind {
			case registry.KindEmployer:
			case registry.KindCertificate:
				c, _, err := latestCert(lg, ref.ID)
				if err != nil {
					if errors.Is(err, registry.ErrNotFound) {
						continue
					}
					return nil, err
				}
				if c.Jurisdiction != iss || in != "" && in != c.Jurisdiction {
					continue
				}
				bn, in = c.EmployerBN, c.Jurisdiction
			default:
				continue
			}
			if _, ok := byBN[bn]; ok {
				continue
			}
			j, ok, err := employerAccount(lg, bn, key, in, asOf)
			if err != nil {
				return nil, err
			}
			if ok {
				add(bn, "wcb_account", "", scoreID)
				byBN[bn].WCBJurisdiction = j
			}
		}
	default:
		if err := matchName(lg, r.Name, add); err != nil {
			return nil, err
		}
	}
	out := make([]Match, 0, len(order))
	for _, bn := range order {
		m := byBN[bn]
		m.lg, m.only = lg, certsOf[bn]
		out = append(out, *m)
	}
	return out, nil
}

// employerAccount returns the province in which employer bn's latest
// record in lg lists the WCB account whose folded form is key open on d
// (in, if not empty: only there), and whether it lists it so.
func employerAccount(lg registry.Log, bn, key string, in registry.Jurisdiction, d registry.Date) (registry.Jurisdiction, bool, error) {
	e, err := lg.Latest(registry.KindEmployer, bn)
	if errors.Is(err, registry.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	var emp registry.Employer
	if json.Unmarshal(e.Record, &emp) != nil {
		return "", false, nil
	}
	j, ok := emp.AccountOpenIn(key, in, d)
	return j, ok, nil
}

// matchName scores the employers whose names match name: the name as a
// search reads it (registry.NameKey: folded, without "and" and "et"),
// exactly, so a name typed as registered is found however many longer
// names share its core; the names that start with its core (a longer name,
// or another legal form) and those that start with the first three letters
// of its first word (near misses), each read with a bound.
func matchName(lg registry.Log, name string, add func(bn, on, name string, score float64)) error {
	q := registry.SplitName(name)
	type lookup struct {
		index, value string
		prefix       bool
	}
	lookups := []lookup{
		{"name", registry.NameKey(name), false},
		{"name", q.Core, true},
	}
	if p := firstLetters(q.Core, 3); p != q.Core {
		lookups = append(lookups, lookup{"name", p, true})
	}
	seen := map[string]bool{}
	for _, lu := range lookups {
		refs, err := lg.Lookup(lu.index, lu.value, lu.prefix, nameCandidates)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			if ref.Kind != registry.KindEmployer || seen[ref.ID] {
				continue
			}
			seen[ref.ID] = true
			e, err := lg.Latest(registry.KindEmployer, ref.ID)
			if err != nil {
				if errors.Is(err, registry.ErrNotFound) {
					continue
				}
				return err
			}
			var emp registry.Employer
			if json.Unmarshal(e.Record, &emp) != nil {
				continue
			}
			for _, n := range append([]string{emp.LegalName}, emp.OperatingNames...) {
				if on, score := NameScore(q, registry.SplitName(n)); score >= scoreMin {
					add(emp.BN, on, n, score)
				}
			}
		}
	}
	return nil
}

// NameScore scores a candidate name c against the name asked q, and says
// how it matched (see the package's bulk-match notes).
func NameScore(q, c registry.NameForm) (on string, score float64) {
	switch {
	case q.Core == c.Core && q.Form == c.Form:
		return "name", scoreName
	case q.Core == c.Core && q.Form == "":
		return "name", scoreNameNoForm
	case q.Core == c.Core:
		return "name_other_form", scoreOtherForm
	}
	sim := similarity(q.Core, c.Core)
	if sim < 0.85 {
		return "", 0
	}
	return "name_similar", round2(scoreNearMax * sim)
}

// similarity is 1 - (Levenshtein distance / length of the longer string),
// on runes.
func similarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	// Names beyond 100 runes compare on their first 100.
	ra, rb = ra[:min(len(ra), 100)], rb[:min(len(rb), 100)]
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(rb)])/float64(max(len(ra), len(rb)))
}

func firstLetters(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func latestCert(lg registry.Log, id string) (registry.Certificate, registry.Entry, error) {
	e, err := lg.Latest(registry.KindCertificate, id)
	if err != nil {
		return registry.Certificate{}, e, err
	}
	var c registry.Certificate
	if err := json.Unmarshal(e.Record, &c); err != nil {
		return c, e, fmt.Errorf("certificate %s: %w", id, err)
	}
	return c, e, nil
}

// fillMatch adds the employer record and its certificates (only) with
// their status on asOf.
func fillMatch(lg registry.Log, iss registry.Jurisdiction, m *Match, only []string, asOf registry.Date) error {
	m.Certificates = []MatchedCertificate{}
	if e, err := lg.Latest(registry.KindEmployer, m.BN); err == nil {
		var emp registry.Employer
		if json.Unmarshal(e.Record, &emp) == nil {
			m.LegalName = emp.LegalName
		}
		m.Employer = &Evidence{Ref: e.Ref(), JWS: e.JWS}
	} else if !errors.Is(err, registry.ErrNotFound) {
		return err
	}
	ids := only
	if ids == nil {
		refs, err := lg.Lookup("bn", m.BN, false, node.MaxLimit)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if r.Kind == registry.KindCertificate {
				ids = append(ids, r.ID)
			}
		}
	}
	for _, id := range ids {
		c, e, err := latestCert(lg, id)
		if err != nil {
			if errors.Is(err, registry.ErrNotFound) {
				continue
			}
			return err
		}
		if c.Jurisdiction != iss || c.EmployerBN != m.BN {
			continue
		}
		st := c.StatusOn(asOf)
		m.Certificates = append(m.Certificates, MatchedCertificate{Evidence: Evidence{Ref: e.Ref(), JWS: e.JWS},
			Number: c.Number, Issuer: c.Issuer, Program: c.Program, ExpiresOn: c.ExpiresOn, StatusAsOf: st, IAFStatus: registry.IAFStatus(st)})
	}
	return nil
}
