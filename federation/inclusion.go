package federation

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
)

// LogInclusion proves that an evidence entry is in its issuer's log: the
// issuer's signed checkpoint (for the answering node's own entries, its
// current checkpoint; for a peer's, the last checkpoint the answering node
// verified from that peer and whose tree it holds), the answering node's
// cosignature when the issuer is a peer (it vouches that the checkpoint
// was consistent with everything the peer had signed), and the RFC 9162
// inclusion proof of the entry's JWS in that checkpoint's tree (the wire
// form of logproof.InclusionProof). VerifyProof checks all of it.
type LogInclusion struct {
	Checkpoint  string                `json:"checkpoint" doc:"The issuer's checkpoint, a compact JWS of typ corfed-checkpoint+jws."`
	Witness     registry.Jurisdiction `json:"witness,omitempty" doc:"The answering node, when it cosigned a peer's checkpoint."`
	Cosignature string                `json:"cosignature,omitempty" doc:"The witness's cosignature of the checkpoint (typ corfed-cosignature+jws)."`
	Inclusion   InclusionProof        `json:"inclusion"`
}

// InclusionProof is logproof.InclusionProof on the wire (see package
// logproof): hashes in standard base64.
type InclusionProof struct {
	Seq       uint64   `json:"seq"`
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	LeafHash  string   `json:"leaf_hash" format:"byte"`
	Hashes    []string `json:"hashes" nullable:"false"`
}

// inclusionWire returns p in wire form. Its hashes are encoded into one
// string, which each of them slices: one allocation for the lot.
func inclusionWire(p logproof.InclusionProof) InclusionProof {
	enc := base64.StdEncoding
	n := enc.EncodedLen(tlog.HashSize)
	b := make([]byte, 0, n*(len(p.Hashes)+1))
	b = enc.AppendEncode(b, p.LeafHash[:])
	for _, h := range p.Hashes {
		b = enc.AppendEncode(b, h[:])
	}
	all := string(b)
	hs := make([]string, len(p.Hashes))
	for i := range hs {
		hs[i] = all[n*(i+1) : n*(i+2)]
	}
	return InclusionProof{Seq: p.Seq, LeafIndex: p.LeafIndex, TreeSize: p.TreeSize, LeafHash: all[:n], Hashes: hs}
}

// parse returns the proof, decoded as strictly as logproof decodes it
// (canonical base64, bounded length).
func (w InclusionProof) parse() (logproof.InclusionProof, error) {
	var p logproof.InclusionProof
	if w.Hashes == nil {
		w.Hashes = []string{}
	}
	b, err := json.Marshal(w)
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(b, &p)
}

// proofKey names an inclusion proof: the log, the tree size, the seq.
type proofKey struct {
	log       string
	size, seq uint64
}

// cachedInclusion is an inclusion proof in wire form with the JWS whose
// leaf it proves, so that a hit is checked against the evidence it is
// attached to. Shared between answers: never modified.
type cachedInclusion struct {
	jws  string
	wire InclusionProof
}

// maxCachedProofs bounds Lookups.proofs; the cache is emptied when full.
const maxCachedProofs = 1 << 14

// logAnchor is the checkpoint proofs of one log are made against.
type logAnchor struct {
	log    string
	signed logproof.Signed
	cosig  string
}

// selfCheckpoint returns the node's checkpoint of the tree snapshot sn
// holds. The own log only grows, so a checkpoint signed for its size by
// the active key is that tree's: it is reused while both are unchanged,
// which spares computing the root (O(log n) stored hashes) per answer.
func (l *Lookups) selfCheckpoint(sn node.Snapshot) (logproof.Signed, error) {
	n := l.fed.Node()
	size, kid := sn.Self().Size(), n.ActiveKey().KID
	l.mu.Lock()
	cp, ok := l.selfCP, l.selfKID == kid && l.selfCP.Size == size && l.selfCP.JWS != ""
	l.mu.Unlock()
	if ok {
		return cp, nil
	}
	cp, err := n.CheckpointOf(sn)
	if err != nil {
		return cp, err
	}
	l.mu.Lock()
	if cp.Size >= l.selfCP.Size || l.selfKID != kid {
		l.selfCP, l.selfKID = cp, kid
	}
	l.mu.Unlock()
	return cp, nil
}

// attachLogs gives every evidence entry its LogInclusion. An entry of a
// peer beyond the last checkpoint verified from that peer (a sync that
// failed half way) gets none, and a proof carrying it does not verify.
// Each evidence's Seq says where its entry is; the leaf there must be the
// hash of its JWS.
func (l *Lookups) attachLogs(sn node.Snapshot, lists ...[]Evidence) error {
	n := l.fed.Node()
	self := n.Jurisdiction()
	anchors := map[registry.Jurisdiction]*logAnchor{}
	anchorOf := func(iss registry.Jurisdiction) (*logAnchor, error) {
		if a, ok := anchors[iss]; ok {
			return a, nil
		}
		var a *logAnchor
		if iss == self {
			cp, err := l.selfCheckpoint(sn)
			if err != nil {
				return nil, err
			}
			a = &logAnchor{log: node.SelfLog, signed: cp}
		} else if p, ok := l.fed.peers[iss]; ok {
			if _, anc := p.checkpoints(); anc != nil {
				a = &logAnchor{log: ReplicaLog(iss), signed: anc.Signed, cosig: anc.Cosignature}
			}
		}
		anchors[iss] = a
		return a, nil
	}
	for _, list := range lists {
		for i := range list {
			if _, err := anchorOf(list[i].Iss); err != nil {
				return err
			}
		}
	}
	for _, list := range lists {
		for i := range list {
			ev := &list[i]
			a := anchors[ev.Iss]
			if a == nil {
				continue
			}
			lg := n.LogOf(sn, ev.Iss)
			if ev.Seq == 0 || ev.Seq > lg.Size() {
				return fmt.Errorf("evidence %s %s v%d of %s at seq %d: %w", ev.Kind, ev.ID, ev.Ver, ev.Iss, ev.Seq, registry.ErrNotFound)
			}
			if ev.Seq > a.signed.Size || a.signed.Size > lg.Size() {
				continue
			}
			w, err := l.inclusion(lg, a.log, ev.Seq, a.signed.Size, ev.JWS)
			if err != nil {
				return fmt.Errorf("evidence %s %s v%d of %s: %w", ev.Kind, ev.ID, ev.Ver, ev.Iss, err)
			}
			ev.Log = &LogInclusion{Checkpoint: a.signed.JWS, Inclusion: w}
			if ev.Iss != self {
				ev.Log.Witness, ev.Log.Cosignature = self, a.cosig
			}
		}
	}
	return nil
}

// inclusion returns the inclusion proof, in wire form, of the entry seq of
// lg, whose JWS is jws, in the tree of size entries, from the cache if it
// is there. The leaf at seq must be jws's: else ErrNotFound.
func (l *Lookups) inclusion(lg registry.Log, name string, seq, size uint64, jws string) (InclusionProof, error) {
	k := proofKey{name, size, seq}
	l.mu.Lock()
	c, ok := l.proofs[k]
	l.mu.Unlock()
	if ok {
		if c.jws != jws {
			return InclusionProof{}, fmt.Errorf("seq %d holds another entry: %w", seq, registry.ErrNotFound)
		}
		return c.wire, nil
	}
	leaf, err := lg.HashReader().ReadHashes([]int64{tlog.StoredHashIndex(0, int64(seq-1))})
	if err != nil {
		return InclusionProof{}, err
	}
	if leaf[0] != logproof.LeafHash(jws) {
		return InclusionProof{}, fmt.Errorf("seq %d holds another entry: %w", seq, registry.ErrNotFound)
	}
	hashes, err := lg.InclusionProof(seq, size)
	if err != nil {
		return InclusionProof{}, err
	}
	w := inclusionWire(logproof.InclusionProof{Seq: seq, LeafIndex: seq - 1, TreeSize: size, LeafHash: leaf[0], Hashes: hashes})
	l.mu.Lock()
	if len(l.proofs) >= maxCachedProofs {
		clear(l.proofs)
	}
	l.proofs[k] = cachedInclusion{jws, w}
	l.mu.Unlock()
	return w, nil
}

// history returns, for a question about a past date, the versions of each
// employer record among the evidence (employer, certificate, equivalency)
// that were signed by the end of q.On in the host's time zone (iat <= that
// instant), latest first. The rule is simple on purpose: a version signed
// later cannot have been in force on that date, and the latest one signed
// by then is the one that was; the older ones show how it got there.
func (l *Lookups) history(sn node.Snapshot, q equivalence.Question, ev []Evidence) ([]Evidence, error) {
	loc := node.Zone(q.Host) // cached: LoadLocation reads the zone database each call
	next := q.On.AddDays(1)
	end := time.Date(next.Year(), next.Month(), next.Day(), 0, 0, 0, 0, loc).Unix() - 1
	var out []Evidence
	seen := map[registry.Ref]bool{}
	for _, e := range ev {
		switch e.Kind {
		case registry.KindEmployer, registry.KindCertificate, registry.KindEquivalency, registry.KindLetter:
		default:
			continue
		}
		rec := registry.Ref{Iss: e.Iss, Kind: e.Kind, ID: e.ID}
		if seen[rec] {
			continue
		}
		seen[rec] = true
		vs, err := l.fed.Node().LogOf(sn, e.Iss).Versions(e.Kind, e.ID)
		if err != nil {
			return nil, err
		}
		for _, v := range slices.Backward(vs) {
			if v.Iat <= end {
				out = append(out, Evidence{Ref: v.Ref(), JWS: v.JWS})
			}
		}
	}
	return out, nil
}
