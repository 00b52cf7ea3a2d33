package federation

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/msgfr"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/strictjson"
)

// ProofAudience is the aud claim of every recognition proof.
const ProofAudience = "corfed-proof"

// ProofClaims is the claims set of a recognition proof: a JWT signed by the
// answering node. Everything needed to check it offline is inside: the
// decision, the compact JWS of every record it rests on with the proof that
// it is in its issuer's log (Evidence.Log), each party's signature on the
// agreement it used, and for a past date the history of the employer's
// records.
type ProofClaims struct {
	Iss      registry.Jurisdiction `json:"iss"` // the answering node
	Sub      string                `json:"sub"` // the employer's BN
	Aud      string                `json:"aud"`
	Iat      int64                 `json:"iat"`
	Nbf      int64                 `json:"nbf"`
	Exp      int64                 `json:"exp"` // when the decision expires (see proofExpiry)
	JTI      string                `json:"jti"`
	Question QuestionJSON          `json:"question"`
	Decision equivalence.Decision  `json:"decision"`
	Evidence []Evidence            `json:"evidence"`
	Parties  []PartySignature      `json:"party_signatures,omitempty"`
	History  []Evidence            `json:"history,omitempty"`
	// Freshness is what the answering node knew, when it signed, of its
	// copy of each member's log the answer read: the entries it held, its
	// last successful sync and the last sync's error (see Stale). Proofs
	// made before it was signed in have none.
	Freshness []Freshness `json:"freshness,omitempty"`
}

// proofExpiry is the end of the decision's last valid day in the host's
// zone. A decision with no future validity (not recognized, or about a past
// date) is a statement about that date; its proof expires 24 hours after it
// was made, so a stale answer is re-asked rather than trusted forever. So
// does the proof of a decision about a date after today in the host's zone
// (a projection from today's records, which cannot show a revocation
// between now and then), and of one whose evidence comes from a member
// whose copy was stale when it was signed (stale: see Freshness.Stale).
func proofExpiry(q QuestionJSON, d equivalence.Decision, now time.Time, stale bool) time.Time {
	fallback := now.Add(24 * time.Hour)
	if d.ValidUntil.IsZero() || stale {
		return fallback
	}
	loc := node.Zone(q.Host) // cached: LoadLocation reads the zone database each call
	if q.On.After(node.TodayIn(q.Host, now)) {
		return fallback
	}
	next := d.ValidUntil.AddDays(1)
	end := time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc)
	if !end.After(now) {
		return fallback
	}
	return end
}

// answerHead is the first part of an answer that its proof carries too,
// in the members' order of both Answer and ProofClaims: the question and
// the decision. The evidence and party signatures follow it in both (see
// signAndEncode).
type answerHead struct {
	Question QuestionJSON         `json:"question"`
	Decision equivalence.Decision `json:"decision"`
}

// signAndEncode signs a's proof and encodes a for the wire, encoding each
// part once: the question, decision, evidence and party signatures are
// the same bytes in the proof's claims and beside them in the answer. The
// claims are exactly json.Marshal(ProofClaims{...}) and the answer
// exactly what json.Encoder (HTML left unescaped) writes of it, but for
// strings with <, > or &, which both carry escaped as json.Marshal does
// (the same JSON value). The evidence, most of an answer's bytes, is
// written by appendEvidence rather than by reflection; the proof, a
// compact JWS (base64url and dots), needs no escaping and is signed
// straight into the answer's bytes.
func (l *Lookups) signAndEncode(a *Answer, now time.Time) error {
	n := l.fed.Node()
	sc := encodePool.Get().(*encodeScratch)
	defer sc.release()
	// The parts, one after another in sc.buf: question and decision, party
	// signatures, freshness, iss, sub; evidence and history in sc.ev.
	head, err := appendHead(sc.buf.AvailableBuffer(), &a.Question, &a.Decision)
	if err != nil {
		return err
	}
	sc.buf.Write(head)
	head = head[1 : len(head)-1 : len(head)-1] // the members, without the braces
	var parties []byte
	if len(a.Parties) > 0 {
		if parties, err = sc.encode(a.Parties); err != nil {
			return err
		}
	}
	fresh, err := appendFreshness(sc.buf.AvailableBuffer(), a.Freshness)
	if err != nil {
		return err
	}
	sc.buf.Write(fresh)
	fresh = fresh[:len(fresh):len(fresh)]
	iss, err := sc.encode(n.Jurisdiction())
	if err != nil {
		return err
	}
	sub, err := sc.encode(a.Question.BN)
	if err != nil {
		return err
	}
	sc.ev = appendEvidence(sc.ev[:0], a.Evidence)
	evEnd := len(sc.ev)
	var hist []byte
	if len(a.History) > 0 {
		sc.ev = appendEvidence(sc.ev, a.History)
		hist = sc.ev[evEnd:]
	}
	ev := sc.ev[:evEnd]
	appendCore := func(b []byte) []byte {
		b = append(append(append(b, head...), `,"evidence":`...), ev...)
		if parties != nil {
			b = append(append(b, `,"party_signatures":`...), parties...)
		}
		return b
	}
	var jti [12]byte
	_, _ = rand.Read(jti[:])
	c := append(sc.claims[:0], `{"iss":`...)
	c = append(append(append(c, iss...), `,"sub":`...), sub...)
	c = append(c, `,"aud":"`+ProofAudience+`","iat":`...)
	c = strconv.AppendInt(c, now.Unix(), 10)
	c = strconv.AppendInt(append(c, `,"nbf":`...), now.Unix(), 10)
	stale := l.restsOnStale(&a.Decision, a.Freshness)
	c = strconv.AppendInt(append(c, `,"exp":`...), proofExpiry(a.Question, a.Decision, now, stale).Unix(), 10)
	c = hex.AppendEncode(append(c, `,"jti":"`...), jti[:])
	c = appendCore(append(c, `",`...))
	if hist != nil {
		c = append(append(c, `,"history":`...), hist...)
	}
	if a.Freshness != nil {
		c = append(append(c, `,"freshness":`...), fresh...)
	}
	c = append(c, '}')
	sc.claims = c
	// The answer: its members (fewer bytes than the claims but for the
	// freshness), then the proof signed in place, whose protected header
	// and signature take under 300 bytes.
	w := make([]byte, 0, len(c)+len(fresh)+base64.RawURLEncoding.EncodedLen(len(c))+300)
	w = appendCore(append(w, '{'))
	w = append(append(w, `,"freshness":`...), fresh...)
	if hist != nil {
		w = append(append(w, `,"history":`...), hist...)
	}
	w = append(w, `,"proof":"`...)
	start := len(w)
	if w, err = n.ActiveKey().AppendSign(w, c, "JWT"); err != nil {
		return err
	}
	// The proof aliases the answer's bytes, which are never written again
	// (what is appended below goes after it).
	a.Proof = unsafe.String(&w[start], len(w)-start)
	a.wire = append(w, "\"}\n"...)
	return nil
}

// appendEvidence appends the JSON of evs, byte for byte what json.Marshal
// writes of it (members in declaration order, strings HTML-escaped, a nil
// slice as null), without reflection.
func appendEvidence(b []byte, evs []Evidence) []byte {
	return appendArray(b, evs, func(b []byte, ev *Evidence) []byte {
		b = appendJSONString(append(b, `{"iss":`...), string(ev.Iss))
		b = appendJSONString(append(b, `,"kind":`...), string(ev.Kind))
		b = appendJSONString(append(b, `,"id":`...), ev.ID)
		b = strconv.AppendUint(append(b, `,"ver":`...), ev.Ver, 10)
		b = strconv.AppendUint(append(b, `,"seq":`...), ev.Seq, 10)
		b = appendJSONString(append(b, `,"jws":`...), ev.JWS)
		if lg := ev.Log; lg != nil {
			b = appendJSONString(append(b, `,"log":{"checkpoint":`...), lg.Checkpoint)
			if lg.Witness != "" {
				b = appendJSONString(append(b, `,"witness":`...), string(lg.Witness))
			}
			if lg.Cosignature != "" {
				b = appendJSONString(append(b, `,"cosignature":`...), lg.Cosignature)
			}
			p := &lg.Inclusion
			b = strconv.AppendUint(append(b, `,"inclusion":{"seq":`...), p.Seq, 10)
			b = strconv.AppendUint(append(b, `,"leaf_index":`...), p.LeafIndex, 10)
			b = strconv.AppendUint(append(b, `,"tree_size":`...), p.TreeSize, 10)
			b = appendJSONString(append(b, `,"leaf_hash":`...), p.LeafHash)
			b = appendArray(append(b, `,"hashes":`...), p.Hashes, func(b []byte, h *string) []byte { return appendJSONString(b, *h) })
			b = append(b, "}}"...)
		}
		return append(b, '}')
	})
}

// appendArray appends xs as json.Marshal writes a slice: null when nil,
// else a JSON array of its elements, each appended by elem.
func appendArray[T any](b []byte, xs []T, elem func([]byte, *T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, &xs[i])
	}
	return append(b, ']')
}

// appendHead appends the JSON of answerHead{q, d}, byte for byte what
// json.Marshal writes of it, without reflection: with the evidence, the
// parts of an answer encoded on every request.
func appendHead(b []byte, q *QuestionJSON, d *equivalence.Decision) ([]byte, error) {
	b = appendJSONString(append(b, `{"question":{"bn":`...), q.BN)
	b = appendJSONString(append(b, `,"host":`...), string(q.Host))
	if q.Sector != "" {
		b = appendJSONString(append(b, `,"sector":`...), q.Sector)
	}
	b, err := appendMarshaler(append(b, `,"on":`...), q.On)
	if err != nil {
		return nil, err
	}
	b = appendJSONString(append(b, `,"use":`...), q.Use)
	if q.Lang != "" {
		b = appendJSONString(append(b, `,"lang":`...), string(q.Lang))
	}
	b = appendJSONString(append(b, `},"decision":{"outcome":`...), d.Outcome)
	if d.Basis != "" {
		b = appendJSONString(append(b, `,"basis":`...), d.Basis)
	}
	if !d.ValidFrom.IsZero() {
		if b, err = appendMarshaler(append(b, `,"valid_from":`...), d.ValidFrom); err != nil {
			return nil, err
		}
	}
	if !d.ValidUntil.IsZero() {
		if b, err = appendMarshaler(append(b, `,"valid_until":`...), d.ValidUntil); err != nil {
			return nil, err
		}
	}
	if len(d.Conditions) > 0 {
		b = appendArray(append(b, `,"conditions":`...), d.Conditions, func(b []byte, c *equivalence.Condition) []byte {
			b = appendJSONString(append(b, `{"code":`...), c.Code)
			b = appendJSONString(append(b, `,"text":`...), c.Text)
			b = strconv.AppendBool(append(b, `,"met":`...), c.Met)
			return append(b, '}')
		})
	}
	b = appendArray(append(b, `,"reasons":`...), d.Reasons, func(b []byte, r *equivalence.Reason) []byte {
		b = appendJSONString(append(b, `{"code":`...), r.Code)
		b = appendJSONString(append(b, `,"text":`...), r.Text)
		if len(r.Refs) > 0 {
			b = appendRefs(append(b, `,"refs":`...), r.Refs)
		}
		return append(b, '}')
	})
	if len(d.Evidence) > 0 {
		b = appendRefs(append(b, `,"evidence":`...), d.Evidence)
	}
	return append(b, "}}"...), nil
}

// appendRefs appends the JSON array of refs as json.Marshal writes it.
func appendRefs(b []byte, refs []registry.Ref) []byte {
	return appendArray(b, refs, func(b []byte, r *registry.Ref) []byte {
		return append(appendRef(append(b, '{'), r), '}')
	})
}

// appendRef appends the members of r, without braces, as json.Marshal
// writes them.
func appendRef(b []byte, r *registry.Ref) []byte {
	b = appendJSONString(append(b, `"iss":`...), string(r.Iss))
	b = appendJSONString(append(b, `,"kind":`...), string(r.Kind))
	b = appendJSONString(append(b, `,"id":`...), r.ID)
	b = strconv.AppendUint(append(b, `,"ver":`...), r.Ver, 10)
	return strconv.AppendUint(append(b, `,"seq":`...), r.Seq, 10)
}

// appendFreshness appends the JSON of fs, byte for byte what json.Marshal
// writes of it, without reflection.
func appendFreshness(b []byte, fs []Freshness) ([]byte, error) {
	if fs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range fs {
		f := &fs[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(append(b, `{"jurisdiction":`...), string(f.Jurisdiction))
		if f.Self {
			b = append(b, `,"self":true`...)
		}
		b = strconv.AppendUint(append(b, `,"seq":`...), f.Seq, 10)
		if f.PeerSize != 0 {
			b = strconv.AppendUint(append(b, `,"peer_size":`...), f.PeerSize, 10)
		}
		if !f.LastSuccess.IsZero() {
			var err error
			if b, err = appendMarshaler(append(b, `,"last_success":`...), f.LastSuccess); err != nil {
				return nil, err
			}
		}
		b = strconv.AppendInt(append(b, `,"age_seconds":`...), f.AgeSeconds, 10)
		if f.LastError != "" {
			b = appendJSONString(append(b, `,"last_error":`...), f.LastError)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendMarshaler appends v's MarshalJSON, which json.Marshal would call:
// a date's or a time's, a JSON string that needs no escaping.
func appendMarshaler(b []byte, v json.Marshaler) ([]byte, error) {
	j, err := v.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("json: error calling MarshalJSON for type %T: %w", v, err)
	}
	return append(b, j...), nil
}

// plainJSON[c] says that byte c stands for itself inside a JSON string as
// json.Marshal writes it: printable ASCII but the quote, the backslash and
// the HTML characters <, > and &.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as json.Marshal writes it. Base64 and
// identifiers, nearly all an answer holds, are copied as they are; any
// other string is left to encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}

// encodeScratch holds the buffers one signAndEncode works in, reused
// through encodePool: the answer's parts (buf), the evidence and history
// (ev) and the proof's claims.
type encodeScratch struct {
	buf    bytes.Buffer
	enc    *json.Encoder
	ev     []byte
	claims []byte
}

// maxPooledScratch bounds the buffers kept for reuse: an answer with a
// long history is encoded in buffers of its own.
const maxPooledScratch = 64 << 10

var encodePool = sync.Pool{New: func() any {
	sc := &encodeScratch{}
	sc.enc = json.NewEncoder(&sc.buf) // escapes HTML, as json.Marshal does
	return sc
}}

// encode appends v's JSON to sc.buf and returns it (valid until the next
// encode or release).
func (sc *encodeScratch) encode(v any) ([]byte, error) {
	start := sc.buf.Len()
	if err := sc.enc.Encode(v); err != nil {
		return nil, err
	}
	b := sc.buf.Bytes()
	return b[start : len(b)-1 : len(b)-1], nil // without Encode's newline
}

func (sc *encodeScratch) release() {
	if sc.buf.Cap() > maxPooledScratch || cap(sc.claims) > maxPooledScratch || cap(sc.ev) > maxPooledScratch {
		return
	}
	sc.buf.Reset()
	sc.ev = sc.ev[:0]
	sc.claims = sc.claims[:0]
	encodePool.Put(sc)
}

// KeysFunc returns the pinned keys of a jurisdiction.
type KeysFunc func(registry.Jurisdiction) (*jose.KeySet, bool)

// TrustKeys returns the keys pinned in a federation file.
func TrustKeys(t *Trust) KeysFunc {
	return func(j registry.Jurisdiction) (*jose.KeySet, bool) {
		m, ok := t.Member(j)
		if !ok {
			return nil, false
		}
		return m.Keys, true
	}
}

// ProofError says why a proof does not hold. It wraps registry.ErrUnverified
// (or ErrUnauthenticated for an expired proof, ErrInvalid for a malformed one).
type ProofError struct {
	Reason string
	Err    error
	format string // Reason's English format and its args, for Text
	args   []any
}

func (e *ProofError) Error() string { return "proof: " + e.Reason }
func (e *ProofError) Unwrap() error { return e.Err }

// Text is Reason in lang: the French entry of its format in registry/msgfr
// for French (what it quotes, codes, ids, dates and the errors of other
// packages, stays as it is), Reason for English.
func (e *ProofError) Text(lang equivalence.Lang) string {
	if lang != equivalence.French || e.format == "" {
		return e.Reason
	}
	return msgfr.Sprintf(e.format, e.args...)
}

func proofErr(kind error, format string, args ...any) error {
	return &ProofError{Reason: fmt.Sprintf(format, args...), Err: kind, format: format, args: args}
}

// KeyNotHeldError: a proof, or a record or checkpoint it carries, is
// signed by a key of a member the federation file lists, but the file does
// not hold that key: most likely a key the member rotated to after the file
// was issued. The file cannot tell such a signature from a forgery, so the
// proof could not be checked (rather than does not hold): get the current
// file. A ProofError wraps it; it wraps jose.ErrUnknownKey and
// registry.ErrUnverified.
type KeyNotHeldError struct {
	Member registry.Jurisdiction
	KID    string // as the token names it (clipped)
	err    error
}

// Error is the verification's error (jws: unknown kid ...), unchanged.
func (e *KeyNotHeldError) Error() string { return e.err.Error() }

func (e *KeyNotHeldError) Unwrap() error { return e.err }

// keyNotHeld is err, as a *KeyNotHeldError of member j when it is the
// error of a verification with j's pinned keys that found no key with the
// token's kid.
func keyNotHeld(j registry.Jurisdiction, err error) error {
	var u *jose.UnknownKeyError
	if errors.As(err, &u) {
		return &KeyNotHeldError{Member: j, KID: u.KID, err: err}
	}
	return err
}

// unverifiedKind is the kind of a ProofError for a check that failed with
// err: err's KeyNotHeldError when it has one (it wraps ErrUnverified), else
// registry.ErrUnverified.
func unverifiedKind(err error) error {
	var kn *KeyNotHeldError
	if errors.As(err, &kn) {
		return kn
	}
	return registry.ErrUnverified
}

// VerifyProof checks a recognition proof with no network: the answering
// node's signature and expiry; every evidence JWS against the pinned keys
// of its issuer, and that it is the record version the decision cites; its
// log inclusion: the checkpoint's signature against the issuer's pinned
// keys (logproof.Verify), the answering node's cosignature of it when the
// issuer is another member, and the inclusion proof of exactly that JWS at
// the seq it signs (logproof.VerifyEntry), a missing one failing; the
// same for every version in the history; the signature of every party on
// each agreement used; and that the signed decision is what
// equivalence.Decide gives over the records it carries (rederive). It
// returns the claims when everything holds.
func VerifyProof(token string, keys KeysFunc, now time.Time) (ProofClaims, error) {
	return VerifyProofIn(token, keys, now, "")
}

// VerifyProofIn is VerifyProof giving the reasons' and conditions' texts
// in lang (the question's language when lang is ""): they are re-derived
// from the evidence in any case (reDerivedTexts), and a reader may read
// another language than the one the proof was asked in. The codes, and so
// whether the proof holds, do not change with the language.
func VerifyProofIn(token string, keys KeysFunc, now time.Time, lang equivalence.Lang) (ProofClaims, error) {
	var c ProofClaims
	token = strings.TrimSpace(token)
	if len(token) > 1<<20 {
		return c, proofErr(registry.ErrInvalid, "larger than 1 MiB")
	}
	iss, err := unverifiedIssuer(token)
	if err != nil {
		return c, err
	}
	ks, ok := keys(iss)
	if !ok {
		return c, proofErr(registry.ErrUnverified, "issued by %s, which the federation file does not list", iss)
	}
	if err := ks.VerifyJWT(token, now, string(iss), ProofAudience, &c); err != nil {
		return c, proofErr(keyNotHeld(iss, err), "the answering node's signature or validity: %v", err)
	}
	if c.Iss != iss || c.Sub != c.Question.BN {
		return c, proofErr(registry.ErrUnverified, "iss/sub do not match the question")
	}
	held := map[registry.Ref]registry.Entry{}
	entries := make([]registry.Entry, 0, len(c.Evidence))
	for i, ev := range c.Evidence {
		e, err := verifyEvidence(ev, keys, c)
		if err != nil {
			return c, proofErr(unverifiedKind(err), "evidence %d (%s %s v%d from %s): %v", i, ev.Kind, ev.ID, ev.Ver, ev.Iss, err)
		}
		held[e.Ref()] = e
		entries = append(entries, e)
	}
	for i, ev := range c.History {
		if _, err := verifyEvidence(ev, keys, c); err != nil {
			return c, proofErr(unverifiedKind(err), "history %d (%s %s v%d from %s): %v", i, ev.Kind, ev.ID, ev.Ver, ev.Iss, err)
		}
	}
	for _, ref := range c.Decision.Evidence {
		e, ok := held[ref]
		if !ok {
			return c, proofErr(registry.ErrUnverified, "the decision cites %s %s v%d from %s but the proof does not carry it", ref.Kind, ref.ID, ref.Ver, ref.Iss)
		}
		if e.Kind == registry.KindAgreement {
			if err := checkParties(e, c.Parties, keys); err != nil {
				return c, err
			}
		}
	}
	if (c.Decision.Outcome == equivalence.Recognized || c.Decision.Outcome == equivalence.Conditional) && len(c.Decision.Evidence) == 0 {
		return c, proofErr(registry.ErrUnverified, "a %s decision with no evidence", c.Decision.Outcome)
	}
	if err := rederive(&c, entries, keys, lang); err != nil {
		return c, err
	}
	if err := checkExpiry(c); err != nil {
		return c, err
	}
	return c, nil
}

// rederive decides c's question again, with equivalence.Decide, over the
// records c carries (entries, verified), and checks the signed decision
// against it. The facts are built as the answering node builds them
// (addFact, groupAgreements): a certificate counts only from its
// jurisdiction, a letter only from its host, host rules only from the host
// (Decide), an agreement only when every party's signature verifies (from
// the copies carried and the proof's party signatures) and a party's
// withdrawal only from its own copy. Of several versions of one record it
// keeps the newest carried.
//
// A recognized or conditional decision must be what the carried records
// give: the same outcome, basis, valid_from and valid_until, the same
// conditions (codes, met) and the same evidence. A refusal must be one:
// the carried records must not give a recognition, and it names no basis,
// dates or evidence. A refusal may rest on what is absent (no certificate
// at all), which no proof can carry; so it is checked only against what it
// carries. A recognition of another province's SECOR or ISO-based COR
// cites the host's rules that let it count, so a proof that leaves them out
// re-derives to host_rules_unknown and is refused. Neither check can see a
// record the proof does not carry: a later
// version of a cited record (a revocation after the checkpoint it cites)
// or another record of the employer's. Those are what the signed freshness
// (how current the answering node's copies were) and the expiry bound.
//
// Whatever the outcome, every signed reason and condition must be one the
// carried records give, and c's are replaced by those (reDerivedTexts),
// in lang when it is not "" (else in the question's language).
func rederive(c *ProofClaims, entries []registry.Entry, keys KeysFunc, lang equivalence.Lang) error {
	newest := map[registry.Ref]int{} // (iss, kind, id) -> index in entries
	kept := entries[:0:0]
	for _, e := range entries {
		k := registry.Ref{Iss: e.Iss, Kind: e.Kind, ID: e.ID}
		if i, ok := newest[k]; ok {
			if e.Ver > kept[i].Ver {
				kept[i] = e
			}
			continue
		}
		newest[k] = len(kept)
		kept = append(kept, e)
	}
	var f equivalence.Facts
	var copies []agreementCopy
	for _, e := range kept {
		if e.Kind == registry.KindAgreement {
			ac, err := decodeAgreement(e)
			if err != nil {
				return proofErr(registry.ErrInvalid, "agreement %s: %v", e.ID, err)
			}
			copies = append(copies, ac)
			continue
		}
		if _, err := addFact(&f, e); err != nil {
			return proofErr(registry.ErrInvalid, "%s %s: %v", e.Kind, e.ID, err)
		}
	}
	signed := func(party registry.Jurisdiction, jws string, payload []byte) bool {
		ks, ok := keys(party)
		return ok && partySignatureOK(ks, jws, payload)
	}
	for _, g := range groupAgreements(copies, signed, c.Parties) {
		f.Agreements = append(f.Agreements, g.fact)
	}
	q := c.Question
	if lang != "" {
		q.Lang = lang
	}
	got := equivalence.Decide(equivalence.Question{BN: q.BN, Host: q.Host, Sector: q.Sector, On: q.On, Use: q.Use, Lang: q.Lang}, f)
	want := c.Decision
	switch want.Outcome {
	case equivalence.Recognized, equivalence.Conditional:
		if got.Outcome == equivalence.NotRecognized && want.Basis == equivalence.BasisAgreement && rulesUnknown(got) {
			// Another province's SECOR or ISO-based COR counts only by the
			// host's rules, which the decision must cite (proofs signed
			// before corfed cited them carry none: they are asked again).
			return proofErr(registry.ErrUnverified, "the decision recognizes another jurisdiction's SECOR or ISO-based COR, which counts in %s only by the host's rules in force on %s, and the proof does not carry those rules (a proof signed before recognitions cited them); ask the node again for a proof that cites them",
				q.Host, q.On)
		}
		if got.Outcome != want.Outcome || got.Basis != want.Basis || got.ValidFrom != want.ValidFrom || got.ValidUntil != want.ValidUntil {
			return proofErr(registry.ErrUnverified, "the decision does not follow from the evidence it carries: it says %s, which gives %s", decisionLine(want), decisionLine(got))
		}
		if !sameConditions(got.Conditions, want.Conditions) {
			return proofErr(registry.ErrUnverified, "the decision's conditions do not follow from the evidence it carries: it says %s, which gives %s", conditionsLine(want.Conditions), conditionsLine(got.Conditions))
		}
		if !sameRefs(got.Evidence, want.Evidence) {
			return proofErr(registry.ErrUnverified, "the decision rests on %v, but the evidence it carries gives %v", want.Evidence, got.Evidence)
		}
	case equivalence.NotRecognized:
		if want.Basis != "" || !want.ValidFrom.IsZero() || !want.ValidUntil.IsZero() || len(want.Evidence) > 0 {
			return proofErr(registry.ErrUnverified, "a refusal with a basis, dates or evidence")
		}
		if got.Outcome != equivalence.NotRecognized {
			return proofErr(registry.ErrUnverified, "a refusal, but the evidence it carries gives %s", decisionLine(got))
		}
	default:
		return proofErr(registry.ErrInvalid, "unknown outcome %q", strictjson.Clip(want.Outcome))
	}
	return reDerivedTexts(c, q, got, entries, func() (equivalence.Decision, map[registry.Ref]bool) { return decideAsSigned(q, f) })
}

// rulesUnknown: d refuses for want of the host's rules.
func rulesUnknown(d equivalence.Decision) bool {
	return slices.ContainsFunc(d.Reasons, func(r equivalence.Reason) bool { return r.Code == equivalence.ReasonHostRulesUnknown })
}

// decisionLine is a decision in a few words, with its reason codes.
func decisionLine(d equivalence.Decision) string {
	s := d.Outcome
	if d.Basis != "" {
		s += " via " + d.Basis + ", valid " + d.ValidFrom.String() + " to " + d.ValidUntil.String()
	}
	codes := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		codes[i] = r.Code
	}
	return s + " [" + strings.Join(codes, " ") + "]"
}

func conditionsLine(cs []equivalence.Condition) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Code + "=" + strconv.FormatBool(c.Met)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func sameConditions(a, b []equivalence.Condition) bool {
	return slices.EqualFunc(a, b, func(x, y equivalence.Condition) bool { return x.Code == y.Code && x.Met == y.Met })
}

// sameRefs: the same records, in any order.
func sameRefs(a, b []registry.Ref) bool {
	if len(a) != len(b) {
		return false
	}
	for _, r := range a {
		if !slices.Contains(b, r) {
			return false
		}
	}
	return true
}

// reDerivedTexts checks the reasons and conditions c signs against got,
// the decision re-derived from the records c carries (entries), and puts
// got's in their place. Each signed reason must be one got gives: the
// same code citing the same records, each of them carried; each signed
// condition one of got's, the same code and met. The projection reason
// (added by the answering node, not by Decide) is allowed only when
// question.on is after the day of iat in the host's zone, and is given
// then even when the signer left it out (an earlier-version node did).
// The texts are got's, in q's language (c's question, in the language
// the reader asked for): the signed texts are
// not compared, since they change between versions (codes are stable,
// texts are for people) and a proof signed by an earlier version still
// holds; and they are not returned, since a member could otherwise sign
// "revoked for falsified audit records" beside a refusal's honest codes,
// or "already confirmed" as a condition's text.
//
// A reason citing an agreement some party's signature on which the proof
// does not carry (a proof of a refusal from a node of an earlier version,
// which carried party signatures only for the agreement a recognition
// rests on) may also be one the records give with that agreement signed
// (asSigned, called only then): the verifier cannot tell whether it was.
func reDerivedTexts(c *ProofClaims, q QuestionJSON, got equivalence.Decision, entries []registry.Entry, asSigned func() (equivalence.Decision, map[registry.Ref]bool)) error {
	carried := make(map[registry.Ref]bool, len(entries))
	for _, e := range entries {
		carried[e.Ref()] = true
	}
	eq := equivalence.Question{BN: q.BN, Host: q.Host, Sector: q.Sector, On: q.On, Use: q.Use, Lang: q.Lang}
	signedOn := node.TodayIn(q.Host, time.Unix(c.Iat, 0))
	projection := q.On.After(signedOn)
	used := make([]bool, len(got.Reasons))
	reasons := make([]equivalence.Reason, 0, len(c.Decision.Reasons)+1)
	projected := false
	var alt struct { // asSigned's decision, computed at most once
		d        equivalence.Decision
		unsigned map[registry.Ref]bool
		used     []bool
		done     bool
	}
	for _, r := range c.Decision.Reasons {
		for _, ref := range r.Refs {
			if !carried[ref] {
				return proofErr(registry.ErrUnverified, "the reason %s cites %s %s v%d from %s, but the proof does not carry it", strictjson.Clip(r.Code), ref.Kind, strictjson.Clip(ref.ID), ref.Ver, ref.Iss)
			}
		}
		if r.Code == equivalence.ReasonProjection {
			if !projection || len(r.Refs) > 0 || projected {
				return proofErr(registry.ErrUnverified, "the reason %s, but %s is not after the day the proof was signed (%s in %s)", r.Code, q.On, signedOn, q.Host)
			}
			reasons = append(reasons, equivalence.Projection(eq, signedOn))
			projected = true
			continue
		}
		if i := matchReason(got.Reasons, used, r); i >= 0 {
			used[i] = true
			reasons = append(reasons, got.Reasons[i])
			continue
		}
		if !alt.done {
			alt.d, alt.unsigned = asSigned()
			alt.used, alt.done = make([]bool, len(alt.d.Reasons)), true
		}
		i := -1
		if slices.ContainsFunc(r.Refs, func(ref registry.Ref) bool { return alt.unsigned[ref] }) {
			i = matchReason(alt.d.Reasons, alt.used, r)
		}
		if i < 0 {
			return proofErr(registry.ErrUnverified, "the decision's reason %s%s does not follow from the evidence it carries, which gives %s", strictjson.Clip(r.Code), refsLine(r.Refs), reasonsLine(got.Reasons))
		}
		alt.used[i] = true
		reasons = append(reasons, alt.d.Reasons[i])
	}
	if projection && !projected {
		reasons = append(reasons, equivalence.Projection(eq, signedOn))
	}
	var conds []equivalence.Condition
	if len(c.Decision.Conditions) > 0 {
		conds = make([]equivalence.Condition, 0, len(c.Decision.Conditions))
		taken := make([]bool, len(got.Conditions))
		for _, cd := range c.Decision.Conditions {
			i := slices.IndexFunc(got.Conditions, func(g equivalence.Condition) bool { return g.Code == cd.Code && g.Met == cd.Met })
			for j := i; j >= 0 && j < len(got.Conditions); j++ { // prefer one not yet given
				if !taken[j] && got.Conditions[j].Code == cd.Code && got.Conditions[j].Met == cd.Met {
					i = j
					break
				}
			}
			if i < 0 {
				return proofErr(registry.ErrUnverified, "the decision's condition %s=%t does not follow from the evidence it carries, which gives %s", strictjson.Clip(cd.Code), cd.Met, conditionsLine(got.Conditions))
			}
			taken[i] = true
			conds = append(conds, got.Conditions[i])
		}
	}
	c.Decision.Reasons, c.Decision.Conditions = reasons, conds
	return nil
}

// decideAsSigned decides q over f with every agreement taken as signed by
// all its parties. It returns the decision and the agreements some party's
// signature on which f lacks; none, and it decides nothing.
func decideAsSigned(q QuestionJSON, f equivalence.Facts) (equivalence.Decision, map[registry.Ref]bool) {
	unsigned := map[registry.Ref]bool{}
	ags := slices.Clone(f.Agreements)
	for i := range ags {
		if parties := ags[i].Agreement.Terms.Parties; len(ags[i].SignedBy) < len(parties) {
			unsigned[ags[i].Ref] = true
			ags[i].SignedBy = slices.Clone(parties)
		}
	}
	if len(unsigned) == 0 {
		return equivalence.Decision{}, nil
	}
	f.Agreements = ags
	return equivalence.Decide(equivalence.Question{BN: q.BN, Host: q.Host, Sector: q.Sector, On: q.On, Use: q.Use, Lang: q.Lang}, f), unsigned
}

// matchReason returns the index in got of a reason with r's code citing
// the same records (in any order), one not yet used when there is one,
// or -1.
func matchReason(got []equivalence.Reason, used []bool, r equivalence.Reason) int {
	found := -1
	for i, g := range got {
		if g.Code != r.Code || !sameRefs(g.Refs, r.Refs) {
			continue
		}
		if !used[i] {
			return i
		}
		if found < 0 {
			found = i
		}
	}
	return found
}

// reasonsLine is reasons' codes, each with the records it cites.
func reasonsLine(rs []equivalence.Reason) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.Code + refsLine(r.Refs)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// refsLine is the records a reason cites, as " (certificate X v2 from
// CA-AB, ...)", or "" for none.
func refsLine(refs []registry.Ref) string {
	if len(refs) == 0 {
		return ""
	}
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = fmt.Sprintf("%s %s v%d from %s", r.Kind, strictjson.Clip(r.ID), r.Ver, r.Iss)
	}
	return " (citing " + strings.Join(parts, ", ") + ")"
}

// leastStaleAfter is the least StaleAfter of any node: a copy older than
// this may have been stale to the node that signed, whose sync interval
// a proof does not carry.
const leastStaleAfter = 5 * time.Minute

// checkExpiry checks that c expires no later than the rules give
// (proofExpiry), from what c signs: iat, the question and the decision,
// and the freshness of the members whose records the decision rests on.
// A projection (question.on after the day of iat in the host's zone), and
// a decision resting on a member's copy that the signed freshness says was
// never synced or whose last sync failed, expire within 24 hours of iat; a
// copy older than leastStaleAfter may have been stale to the signer, so
// its proof may expire then too; any other no later than the end of the
// decision's last valid day. Allowed beyond: the clock skew a JWT's iat
// may have (jose.JWTSkew). A proof made before freshness was signed in
// has none, and is held to the projection rule and the decision's last
// day. A longer expiry is what a node of an earlier version, or a member
// that leaves the rule out, signs: a projection, or an answer from a copy
// that could not be brought up to date, that would hold for months after a
// revocation it cannot show.
func checkExpiry(c ProofClaims) error {
	iat := time.Unix(c.Iat, 0)
	stale, mayBeStale := signedStaleness(c)
	limit := proofExpiry(c.Question, c.Decision, iat, stale)
	day := iat.Add(24 * time.Hour)
	if mayBeStale && day.After(limit) {
		limit = day
	}
	if c.Exp <= limit.Add(jose.JWTSkew).Unix() {
		return nil
	}
	q := c.Question
	var rule string
	switch signedOn := node.TodayIn(q.Host, iat); {
	case q.On.After(signedOn):
		rule = fmt.Sprintf("a projection (%s is after the day it was signed, %s in %s) expires within 24 hours of signing", q.On, signedOn, q.Host)
	case stale:
		rule = "an answer resting on a copy of a member's log that was never synced or whose last sync failed expires within 24 hours of signing"
	case c.Decision.ValidUntil.IsZero():
		rule = "a decision with no validity expires within 24 hours of signing"
	default:
		rule = fmt.Sprintf("a decision valid until %s expires at the end of that day in %s, or within 24 hours of signing", c.Decision.ValidUntil, q.Host)
	}
	return proofErr(registry.ErrUnverified, "the proof's expiry is longer than the rules allow: it was signed at %s and expires at %s, but %s (%s)",
		iat.UTC().Format(time.RFC3339), time.Unix(c.Exp, 0).UTC().Format(time.RFC3339), rule, limit.UTC().Format(time.RFC3339))
}

// signedStaleness reads c's freshness for the members whose records c's
// decision rests on: stale when one's copy was never synced or its last
// sync failed (or its age is negative), as Freshness.Stale says for any
// StaleAfter; mayBeStale when one's copy was older than leastStaleAfter.
// Only the answering node's own entry is never stale.
func signedStaleness(c ProofClaims) (stale, mayBeStale bool) {
	for _, ref := range c.Decision.Evidence {
		for _, f := range c.Freshness {
			if f.Jurisdiction != ref.Iss || f.Self && f.Jurisdiction == c.Iss {
				continue
			}
			if f.LastSuccess.IsZero() || f.LastError != "" || f.AgeSeconds < 0 {
				stale = true
			}
			if olderThan(f.AgeSeconds, leastStaleAfter) {
				mayBeStale = true
			}
		}
	}
	return stale, mayBeStale
}

// verifyEvidence checks one evidence entry of proof claims c: its
// signature, that it is the version it says, that it is about c's
// employer, and its log inclusion.
func verifyEvidence(ev Evidence, keys KeysFunc, c ProofClaims) (registry.Entry, error) {
	e, err := verifyEntryEvidence(ev, keys)
	if err != nil {
		return e, err
	}
	if err := aboutEmployer(e, c.Question.BN); err != nil {
		return e, err
	}
	return e, verifyInclusion(ev, e, keys, c.Iss)
}

// verifyEntryEvidence checks ev's signature against its issuer's pinned
// keys and that it is the version it says.
func verifyEntryEvidence(ev Evidence, keys KeysFunc) (registry.Entry, error) {
	eks, ok := keys(ev.Iss)
	if !ok {
		return registry.Entry{}, fmt.Errorf("%s is not in the federation file", ev.Iss)
	}
	v, err := VerifyEntry(eks, ev.Iss, ev.JWS)
	if err != nil {
		return registry.Entry{}, keyNotHeld(ev.Iss, err)
	}
	e := v.Entry()
	if e.Ref() != ev.Ref {
		return e, fmt.Errorf("signed as %v, not %v", e.Ref(), ev.Ref)
	}
	return e, nil
}

// verifyInclusion checks that entry e (of evidence ev) is in its issuer's
// log: the checkpoint's signature, the cosignature of witness (the node
// that vouches for a peer's checkpoint) when the issuer is another node,
// and the inclusion proof of exactly ev.JWS at e.Seq.
func verifyInclusion(ev Evidence, e registry.Entry, keys KeysFunc, witness registry.Jurisdiction) error {
	eks, ok := keys(ev.Iss)
	if !ok {
		return fmt.Errorf("%s is not in the federation file", ev.Iss)
	}
	if ev.Log == nil {
		return errors.New("no inclusion proof in its issuer's log")
	}
	cp, err := logproof.Verify(eks, logproof.Origin(ev.Iss), ev.Log.Checkpoint)
	if err != nil {
		return fmt.Errorf("log checkpoint: %w", keyNotHeld(ev.Iss, err))
	}
	if ev.Iss != witness {
		wks, ok := keys(witness)
		if !ok || ev.Log.Witness != witness {
			return fmt.Errorf("log checkpoint: witnessed by %q, want the answering node %s", strictjson.Clip(string(ev.Log.Witness)), witness)
		}
		if err := logproof.VerifyCosignature(wks, cp, ev.Log.Cosignature); err != nil {
			return fmt.Errorf("log checkpoint: %w", keyNotHeld(witness, err))
		}
	}
	p, err := ev.Log.Inclusion.parse()
	if err != nil {
		return fmt.Errorf("inclusion proof: %v", err)
	}
	if p.Seq != e.Seq {
		return fmt.Errorf("inclusion proof of seq %d, but the entry is seq %d", p.Seq, e.Seq)
	}
	return logproof.VerifyEntry(cp, ev.JWS, p)
}

// VerifyEvidence checks a record with its log inclusion as EntryByHash and
// the certificate pages give it: the signature against the issuer's pinned
// keys, the version, the checkpoint and, for another node's record, the
// cosignature of witness (the node that served it), and the inclusion
// proof. It returns the verified entry.
func VerifyEvidence(ev Evidence, keys KeysFunc, witness registry.Jurisdiction) (registry.Entry, error) {
	e, err := verifyEntryEvidence(ev, keys)
	if err != nil {
		return e, err
	}
	return e, verifyInclusion(ev, e, keys, witness)
}

// aboutEmployer checks that an employer-specific record is about bn.
func aboutEmployer(e registry.Entry, bn string) error {
	var probe struct {
		BN         string `json:"bn"`
		EmployerBN string `json:"employer_bn"`
	}
	switch e.Kind {
	case registry.KindEmployer, registry.KindCertificate, registry.KindEquivalency, registry.KindLetter:
		if err := json.Unmarshal(e.Record, &probe); err != nil {
			return err
		}
		if probe.BN+probe.EmployerBN != bn {
			return fmt.Errorf("%s %s is about employer %s, not %s", e.Kind, e.ID, probe.BN+probe.EmployerBN, bn)
		}
	}
	return nil
}

func checkParties(e registry.Entry, sigs []PartySignature, keys KeysFunc) error {
	var a registry.Agreement
	if err := json.Unmarshal(e.Record, &a); err != nil {
		return proofErr(registry.ErrInvalid, "agreement %s: %v", e.ID, err)
	}
	payload, err := a.Terms.SigningPayload()
	if err != nil {
		return proofErr(registry.ErrInvalid, "agreement %s: %v", e.ID, err)
	}
	for _, party := range a.Terms.Parties {
		ks, ok := keys(party)
		if !ok {
			return proofErr(registry.ErrUnverified, "agreement %s: party %s is not in the federation file", a.Terms.ID, party)
		}
		signed := false
		kind := registry.ErrUnverified
		for _, s := range sigs {
			if s.Agreement != a.Terms.ID || s.Party != party {
				continue
			}
			v, err := ks.Verify([]byte(attach(s.JWS, payload)))
			if err == nil && v.Typ == node.AgreementType && bytes.Equal(v.Payload, payload) {
				signed = true
				break
			}
			if err != nil {
				kind = unverifiedKind(keyNotHeld(party, err))
			}
		}
		if !signed {
			return proofErr(kind, "agreement %s: no valid signature of party %s", a.Terms.ID, party)
		}
	}
	return nil
}

// unverifiedIssuer reads the iss claim of a JWT without trusting it: it
// only chooses which pinned keys to verify with.
func unverifiedIssuer(token string) (registry.Jurisdiction, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", proofErr(registry.ErrInvalid, "not a compact JWT (want 3 dot-separated parts, got %d)", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", proofErr(registry.ErrInvalid, "claims are not base64url")
	}
	var c struct {
		Iss registry.Jurisdiction `json:"iss"`
	}
	if err := json.Unmarshal(b, &c); err != nil || !c.Iss.Valid() {
		return "", proofErr(registry.ErrInvalid, "claims have no valid iss jurisdiction")
	}
	return c.Iss, nil
}

// VerifyProof checks a proof against the federation's current keys (the
// node's own, the pinned peers' and the keys they rotated in).
func (l *Lookups) VerifyProof(token string) (ProofClaims, error) {
	return l.VerifyProofIn(token, "")
}

// VerifyProofIn is VerifyProof with the texts in lang (VerifyProofIn).
func (l *Lookups) VerifyProofIn(token string, lang equivalence.Lang) (ProofClaims, error) {
	return VerifyProofIn(token, l.fed.KeySet, l.fed.Node().Now(), lang)
}
