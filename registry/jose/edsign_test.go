package jose

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// TestEdSignMany holds edSignMany to ed25519.Sign, byte for byte, on
// batches of every size up to 17 (one signature alone, where the batch's
// inversion is the plain one, included), messages empty to 10 KB, some
// repeated within a batch; and to RFC 8032's test vectors, so that
// agreeing by both being wrong cannot pass.
func TestEdSignMany(t *testing.T) {
	t.Run("RFC 8032 7.1", func(t *testing.T) {
		for _, v := range []struct{ seed, msg, sig string }{
			{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "",
				"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
			{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "72",
				"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
			{"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "af82",
				"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
		} {
			priv := ed25519.NewKeyFromSeed(unhex(t, v.seed))
			msg := unhex(t, v.msg)
			got := edSignMany(priv, [][]byte{msg, msg, []byte("other"), msg})
			for _, i := range []int{0, 1, 3} { // 2 signs another message
				if g := hex.EncodeToString(got[i][:]); g != v.sig {
					t.Errorf("seed %s…: signature %d = %s, want %s", v.seed[:8], i, g, v.sig)
				}
			}
		}
	})
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 17; n++ {
		msgs := make([][]byte, n)
		for i := range msgs {
			switch i % 4 {
			case 0:
				msgs[i] = fmt.Appendf(nil, "entry %d of %d", i, n)
			case 1:
				msgs[i] = bytes.Repeat([]byte{byte(i)}, 700+i)
			case 2:
				msgs[i] = msgs[0] // the same message twice in a batch
			default:
				msgs[i] = bytes.Repeat([]byte{'x'}, 10_000*(i%2)) // empty or 10 KB
			}
		}
		got := edSignMany(priv, msgs)
		if len(got) != n {
			t.Fatalf("%d messages: %d signatures", n, len(got))
		}
		for i, m := range msgs {
			if want := ed25519.Sign(priv, m); !bytes.Equal(got[i][:], want) {
				t.Errorf("batch of %d, message %d: signature %x, ed25519.Sign gives %x", n, i, got[i], want)
			}
		}
	}
	if got := edSignMany(priv, nil); len(got) != 0 {
		t.Errorf("no messages: %d signatures", len(got))
	}
}

// FuzzEdSignMany: for any seed and messages (split from the input at each
// '|'), every signature of the batch is the one ed25519.Sign makes.
func FuzzEdSignMany(f *testing.F) {
	f.Add(bytes.Repeat([]byte{7}, 32), "a|b|c")
	f.Add(make([]byte, 32), "")
	f.Add(bytes.Repeat([]byte{0xff}, 32), strings.Repeat("x", 3000)+"||"+strings.Repeat("y", 129))
	f.Fuzz(func(t *testing.T, seed []byte, joined string) {
		if len(seed) != ed25519.SeedSize {
			return
		}
		priv := ed25519.NewKeyFromSeed(seed)
		var msgs [][]byte
		for _, m := range strings.Split(joined, "|") {
			msgs = append(msgs, []byte(m))
		}
		for i, sig := range edSignMany(priv, msgs) {
			if want := ed25519.Sign(priv, msgs[i]); !bytes.Equal(sig[:], want) {
				t.Fatalf("message %d of %d: signature %x, ed25519.Sign gives %x", i, len(msgs), sig, want)
			}
		}
	})
}

// TestSignMany: a key's SignMany gives what Sign gives, for an EdDSA key
// (batched) and an ES256 key (one by one; ECDSA signatures are random, so
// each is verified instead), and refuses an empty payload as Sign does.
func TestSignMany(t *testing.T) {
	ed, ec := fixedKey(t, EdDSA, 1), fixedKey(t, ES256, 2)
	payloads := [][]byte{[]byte(`{"a":1}`), bytes.Repeat([]byte("z"), 2000), []byte(`{"a":1}`)}
	got, err := ed.SignMany(payloads, "corfed-record+jws")
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range payloads {
		want, err := ed.Sign(p, "corfed-record+jws")
		if err != nil {
			t.Fatal(err)
		}
		if got[i] != want {
			t.Errorf("EdDSA payload %d: SignMany %q, Sign %q", i, got[i], want)
		}
	}
	set := NewKeySet(ec.Public(), ed.Public())
	for _, k := range []*Key{ed, ec} {
		toks, err := k.SignMany(payloads, "")
		if err != nil {
			t.Fatalf("%s: %v", k.Alg, err)
		}
		for i, tok := range toks {
			v, err := set.Verify([]byte(tok))
			if err != nil || !bytes.Equal(v.Payload, payloads[i]) {
				t.Errorf("%s token %d: %v, payload %q", k.Alg, i, err, v.Payload)
			}
		}
		if _, err := k.SignMany([][]byte{[]byte("x"), nil}, ""); err == nil {
			t.Errorf("%s: an empty payload signed", k.Alg)
		}
	}
	var none *Key
	if _, err := none.SignMany([][]byte{[]byte("x"), []byte("y")}, ""); err == nil {
		t.Error("a nil key signed")
	}
}

// BenchmarkSignMany: ed25519.Sign, and edSignMany in batches of 16, per
// signature of a 700-byte message (about an entry's signing input).
func BenchmarkSignMany(b *testing.B) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([][]byte, 16)
	for i := range msgs {
		msgs[i] = bytes.Repeat([]byte{byte('a' + i)}, 700)
	}
	raw := func() {
		for _, m := range msgs {
			ed25519.Sign(priv, m)
		}
	}
	batched := func() { edSignMany(priv, msgs) }
	benchPair(b, raw, batched)
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
