package statuslist_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/statuslist"
)

var now = time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)

// The draft's 2-bit example (§4.1): twelve statuses packed into C9 44 F9,
// compressed by the draft's authors as 78da3be9f2130003df0207.
var draftStatuses = []byte{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}

func TestDraftVector(t *testing.T) {
	z, _ := hex.DecodeString("78da3be9f2130003df0207")
	l, err := statuslist.Decode(2, base64.RawURLEncoding.EncodeToString(z))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range draftStatuses {
		if got, ok := l.Get(uint64(i)); !ok || got != want {
			t.Errorf("status[%d]: got %d %v, want %d", i, got, ok, want)
		}
	}
	var ours statuslist.List
	for i, v := range draftStatuses {
		ours.Set(i, v)
	}
	back, err := statuslist.Decode(2, ours.Encode())
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range draftStatuses {
		if got, _ := back.Get(uint64(i)); got != want {
			t.Errorf("our encoding, status[%d]: got %d, want %d", i, got, want)
		}
	}
	if _, ok := back.Get(11); !ok {
		t.Errorf("index 11 is in the last byte; want it readable")
	}
	if _, ok := back.Get(12); ok {
		t.Errorf("index 12 is beyond the three bytes; want false")
	}
}

func TestSignVerify(t *testing.T) {
	k, err := jose.GenerateKey(jose.EdDSA, now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := jose.GenerateKey(jose.EdDSA, now)
	var l statuslist.List
	l.Set(0, statuslist.Valid)
	l.Set(7, statuslist.Suspended)
	l.Set(100000, statuslist.Invalid)
	uri := "http://127.0.0.1:8080/v1/status-list"
	tok, err := statuslist.Sign(k, statuslist.Token{Iss: "CA-AB", Sub: uri, Iat: now, Exp: now.Add(7 * 24 * time.Hour), TTL: 5 * time.Minute, List: &l})
	if err != nil {
		t.Fatal(err)
	}
	got, err := statuslist.Verify(jose.NewKeySet(k.Public()), tok, "CA-AB", uri)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.List.Get(7); v != statuslist.Suspended {
		t.Errorf("status 7: got %d, want suspended", v)
	}
	if v, _ := got.List.Get(100000); v != statuslist.Invalid {
		t.Errorf("status 100000: got %d, want invalid", v)
	}
	if got.Stale(now.Add(time.Minute)) || !got.Stale(now.Add(6*time.Minute)) || got.Expired(now.Add(6*24*time.Hour)) || !got.Expired(now.Add(7*24*time.Hour)) {
		t.Errorf("stale/expired at the wrong times: %+v", got)
	}
	jwt, _ := k.SignJWT(map[string]any{"iss": "CA-AB", "sub": uri, "exp": now.Unix()})
	for _, tc := range []struct {
		name, token, iss, sub string
		keys                  *jose.KeySet
		want                  error
	}{
		{"another key", tok, "CA-AB", uri, jose.NewKeySet(other.Public()), registry.ErrUnverified},
		{"another issuer", tok, "CA-BC", uri, jose.NewKeySet(k.Public()), registry.ErrUnverified},
		{"another uri", tok, "CA-AB", "http://evil.example/v1/status-list", jose.NewKeySet(k.Public()), registry.ErrUnverified},
		{"a JWT of another type", jwt, "CA-AB", uri, jose.NewKeySet(k.Public()), registry.ErrUnverified},
		{"garbage", "a.b.c", "CA-AB", uri, jose.NewKeySet(k.Public()), registry.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := statuslist.Verify(tc.keys, tc.token, registry.Jurisdiction(tc.iss), tc.sub); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestDecodeBounded(t *testing.T) {
	var big statuslist.List
	big.Set(statuslist.MaxEntries-1, 1)
	if _, err := statuslist.Decode(2, big.Encode()); err != nil {
		t.Errorf("a full list: %v", err)
	}
	for _, tc := range []struct {
		bits int
		lst  string
	}{{1, big.Encode()}, {2, "!!"}, {2, "eNo"}, {2, strings.Repeat("A", 10)}} {
		if _, err := statuslist.Decode(tc.bits, tc.lst); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("Decode(%d, %.20q): got %v, want ErrInvalid", tc.bits, tc.lst, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	var l statuslist.List
	l.Set(9, 2)
	f.Add(l.Encode())
	f.Add("eNo7KfITAAPfAgc")
	f.Fuzz(func(t *testing.T, lst string) {
		got, err := statuslist.Decode(2, lst)
		if err != nil {
			return
		}
		again, err := statuslist.Decode(2, got.Encode())
		if err != nil || again.Len() != got.Len() || again.Encode() != got.Encode() {
			t.Fatalf("re-encoding changed the list: %v", err)
		}
		for _, i := range []uint64{0, uint64(got.Len()) - 1, uint64(got.Len()), uint64(got.Len()) / 2} {
			v, ok := got.Get(i)
			w, ok2 := again.Get(i)
			if ok != (i < uint64(got.Len())) || v != w || ok != ok2 {
				t.Fatalf("index %d of %d: %d %v, re-encoded %d %v", i, got.Len(), v, ok, w, ok2)
			}
		}
	})
}

// TestVerifyBoundsTTL: a ttl is read as a time.Duration of that many
// seconds; one too large for that (or for CheckFetched's half ttl more)
// is refused, not read as a negative or much shorter ttl.
func TestVerifyBoundsTTL(t *testing.T) {
	k, err := jose.GenerateKey(jose.EdDSA, now)
	if err != nil {
		t.Fatal(err)
	}
	ks := jose.NewKeySet(k.Public())
	var l statuslist.List
	l.Set(3, statuslist.Suspended)
	for _, tc := range []struct {
		name string
		ttl  int64
		ok   bool
	}{
		{"five minutes", 300, true},
		{"the largest", statuslist.MaxTTL, true},
		{"one more", statuslist.MaxTTL + 1, false},
		{"a Duration of more than 2^63 ns (negative)", 9223372037, false},
		{"a Duration of 2^64 ns and a quarter second more (0.26 s)", 18446744074, false},
		{"the largest int64", 9223372036854775807, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := fmt.Sprintf(`{"iss":"CA-AB","sub":"http://x/v1/status-list","iat":%d,"exp":%d,"ttl":%d,"status_list":{"bits":2,"lst":%q}}`,
				now.Unix(), now.Add(time.Hour).Unix(), tc.ttl, l.Encode())
			tok, err := k.Sign([]byte(payload), statuslist.Type)
			if err != nil {
				t.Fatal(err)
			}
			got, err := statuslist.Verify(ks, tok, "CA-AB", "")
			if !tc.ok {
				if !errors.Is(err, registry.ErrInvalid) {
					t.Errorf("ttl %d: got %v (ttl read %s), want ErrInvalid", tc.ttl, err, got.TTL)
				}
				return
			}
			if err != nil || got.TTL != time.Duration(tc.ttl)*time.Second || got.TTL <= 0 {
				t.Fatalf("ttl %d: got %v, ttl read %s", tc.ttl, err, got.TTL)
			}
			if statuslist.CheckFetched(got, now) != nil || got.Stale(now) {
				t.Errorf("ttl %d: a list just made is stale", tc.ttl)
			}
		})
	}
}
