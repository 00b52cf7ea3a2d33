package registry

import (
	"encoding/json"
	"strconv"
	"time"
)

// Envelope is the JWS payload of one entry: one version of one record,
// placed in the issuing node's sequence. It is encoded as canonical JSON:
// encoding/json of this struct (members in this order, no insignificant
// white space, HTML characters not escaped), so the bytes are reproducible.
type Envelope struct {
	Iss    Jurisdiction    `json:"iss"`          // the issuing node's jurisdiction
	Seq    uint64          `json:"seq"`          // node-wide sequence number, from 1, no gaps
	Kind   Kind            `json:"kind"`         // what Record holds
	ID     string          `json:"id"`           // the record id, unique per (iss, kind)
	Ver    uint64          `json:"ver"`          // the record version, from 1
	Iat    int64           `json:"iat"`          // when the node signed it, Unix seconds
	By     *Author         `json:"by,omitempty"` // who asked for this version; absent for the node's own entries (keys, seed) and entries from before attribution
	Record json.RawMessage `json:"record"`
}

// Author is the principal a version was written for: the program
// administrator or a certifying partner, and the id (jti) of the bearer
// token it authenticated with.
type Author struct {
	Role  string `json:"role" enum:"admin,cp" doc:"admin: the program administrator; cp: a certifying partner."`
	CP    string `json:"cp,omitempty" doc:"The certifying partner's id, for role cp."`
	Token string `json:"jti,omitempty" doc:"The id of the bearer token used."`
}

// Time returns Iat as a time.
func (e Envelope) Time() time.Time { return time.Unix(e.Iat, 0).UTC() }

// Entry is a stored, signed record version: the envelope's metadata next to
// the compact JWS whose payload is the envelope. JWS is the authority; the
// other fields are a decoded copy for indexing and reading.
type Entry struct {
	Iss    Jurisdiction    `json:"iss"`
	Seq    uint64          `json:"seq"`
	Kind   Kind            `json:"kind"`
	ID     string          `json:"id"`
	Ver    uint64          `json:"ver"`
	Iat    int64           `json:"iat"`
	By     *Author         `json:"by,omitempty"`
	Record json.RawMessage `json:"record"`
	JWS    string          `json:"jws"`
}

// Envelope returns the envelope e was signed over.
func (e Entry) Envelope() Envelope {
	return Envelope{Iss: e.Iss, Seq: e.Seq, Kind: e.Kind, ID: e.ID, Ver: e.Ver, Iat: e.Iat, By: e.By, Record: e.Record}
}

// Ref points at one signed entry. Decisions and proofs cite records by Ref.
type Ref struct {
	Iss  Jurisdiction `json:"iss"`
	Kind Kind         `json:"kind"`
	ID   string       `json:"id"`
	Ver  uint64       `json:"ver"`
	Seq  uint64       `json:"seq"`
}

// Ref returns a reference to e.
func (e Entry) Ref() Ref { return Ref{Iss: e.Iss, Kind: e.Kind, ID: e.ID, Ver: e.Ver, Seq: e.Seq} }

// EncodeEnvelope returns the canonical JSON of env.
func EncodeEnvelope(env Envelope) ([]byte, error) {
	return marshalCanonical(env)
}

func marshalCanonical(v any) ([]byte, error) {
	var buf jsonBuffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.b
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	return b, nil
}

// Canonical returns the canonical JSON encoding of v (see Envelope).
func Canonical(v any) ([]byte, error) { return marshalCanonical(v) }

type jsonBuffer struct{ b []byte }

func (w *jsonBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// EntryType is the typ header of every entry JWS.
const EntryType = "corfed-entry+jws"

// EncodeCanonicalEnvelope is EncodeEnvelope for an envelope whose Record
// is the output of Canonical (compact JSON: encoding/json leaves it as it
// is). It writes the envelope's bytes directly when every string member
// is printable ASCII without a quote or backslash (encoding/json writes
// such a string as it is), and calls EncodeEnvelope otherwise: the same
// bytes either way (TestEncodeCanonicalEnvelope, FuzzEncodeCanonicalEnvelope).
// Every write encodes its envelope on the node's one staging goroutine,
// and encoding/json's reflection and re-compaction of the record cost
// about 3 us of it.
func EncodeCanonicalEnvelope(env Envelope) ([]byte, error) {
	if !env.Plain() || len(env.Record) == 0 {
		return EncodeEnvelope(env)
	}
	n := 96 + len(env.Iss) + len(env.Kind) + len(env.ID) + len(env.Record)
	if env.By != nil {
		n += 32 + len(env.By.Role) + len(env.By.CP) + len(env.By.Token)
	}
	b := make([]byte, 0, n)
	b = append(b, `{"iss":"`...)
	b = append(b, env.Iss...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, env.Seq, 10)
	b = append(b, `,"kind":"`...)
	b = append(b, env.Kind...)
	b = append(b, `","id":"`...)
	b = append(b, env.ID...)
	b = append(b, `","ver":`...)
	b = strconv.AppendUint(b, env.Ver, 10)
	b = append(b, `,"iat":`...)
	b = strconv.AppendInt(b, env.Iat, 10)
	if env.By != nil {
		b = append(b, `,"by":{"role":"`...)
		b = append(b, env.By.Role...)
		b = append(b, '"')
		if env.By.CP != "" {
			b = append(b, `,"cp":"`...)
			b = append(b, env.By.CP...)
			b = append(b, '"')
		}
		if env.By.Token != "" {
			b = append(b, `,"jti":"`...)
			b = append(b, env.By.Token...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, `,"record":`...)
	b = append(b, env.Record...)
	return append(b, '}'), nil
}

// Plain reports whether every string member of env (its record aside) is
// printable ASCII without a quote or backslash, which encoding/json writes
// between quotes as it is: EncodeCanonicalEnvelope then writes the bytes
// directly, and registry/boltstore can write them again from the fields.
func (env Envelope) Plain() bool {
	return plainJSON(string(env.Iss)) && plainJSON(string(env.Kind)) && plainJSON(env.ID) &&
		(env.By == nil || (plainJSON(env.By.Role) && plainJSON(env.By.CP) && plainJSON(env.By.Token)))
}

// plainJSON reports whether encoding/json writes s between quotes as it
// is: printable ASCII, no quote, no backslash (with HTML escaping off).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
