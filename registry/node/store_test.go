package node_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/verified"
)

// peerEntries signs envelopes as peer CA-BC would and verifies them as a
// sync does.
func peerEntries(t *testing.T, envs []registry.Envelope) []verified.Entry {
	t.Helper()
	k, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	keys := jose.NewKeySet(k.Public())
	out := make([]verified.Entry, len(envs))
	for i, env := range envs {
		p, err := registry.EncodeEnvelope(env)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := k.Sign(p, registry.EntryType)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = verified.Check(keys, env.Iss, tok); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// employerEnv is version ver of employer bn of CA-BC at seq.
func employerEnv(seq, ver uint64, bn, name string) registry.Envelope {
	rec, _ := json.Marshal(registry.Employer{BN: bn, LegalName: name})
	return registry.Envelope{Iss: "CA-BC", Seq: seq, Kind: registry.KindEmployer, ID: bn, Ver: ver, Iat: nodetest.Now.Unix(), Record: rec}
}

// replicaState is what a replica shows of its entries: size, tree and
// what its index finds.
func replicaState(t *testing.T, n *nodetest.Node) string {
	t.Helper()
	var out string
	err := n.View(t.Context(), func(s node.Snapshot) error {
		l := s.Replica("CA-BC")
		h, err := l.TreeHash(l.Size())
		if err != nil {
			return err
		}
		out = fmt.Sprintf("size %d tree %s", l.Size(), h)
		for _, q := range []struct{ name, value string }{{"bn", ""}, {"name", ""}, {"name", "ACME"}, {"name", "GLOBEX"}} {
			refs, err := l.Lookup(q.name, q.value, true, 100)
			if err != nil {
				return err
			}
			out += fmt.Sprintf("\n%s=%s*: %v", q.name, q.value, refs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReplicaAppendAll checks that AppendAll stores what Append one entry
// at a time stores (entries, tree, index keys), over a store that appends
// in batches (bbolt) and one that does not (memstore), and that an entry
// it refuses keeps the whole batch out.
func TestReplicaAppendAll(t *testing.T) {
	good := []registry.Envelope{
		employerEnv(1, 1, "100000001", "Acme Ltd"),
		employerEnv(2, 1, "100000002", "Globex Inc"),
		employerEnv(3, 2, "100000001", "Acme Construction Ltd"), // renamed: the old name leaves the index
		employerEnv(4, 1, "100000003", "Initech"),
		employerEnv(5, 3, "100000001", "Acme Ltd"),
	}
	stores := []struct {
		name  string
		store func() registry.Store
	}{
		{"bbolt", func() registry.Store { return nil }},
		{"memstore", func() registry.Store { return memstore.New() }},
	}
	for _, st := range stores {
		t.Run(st.name+"/same as Append", func(t *testing.T) {
			vs := peerEntries(t, good)
			one := nodetest.New(t, "CA-AB", nodetest.Options{Store: st.store()})
			all := nodetest.New(t, "CA-AB", nodetest.Options{Store: st.store()})
			err := one.AppendReplica(t.Context(), "CA-BC", func(w node.ReplicaWriter) error {
				for _, v := range vs {
					if err := w.Append(v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// Two batches: the second reads what the first stored.
			for _, b := range [][]verified.Entry{vs[:2], vs[2:]} {
				if err := all.AppendReplica(t.Context(), "CA-BC", func(w node.ReplicaWriter) error { return w.AppendAll(b) }); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := replicaState(t, all), replicaState(t, one); got != want {
				t.Errorf("AppendAll stored\n%s\nwant (Append one by one)\n%s", got, want)
			}
		})
		refused := []struct {
			name string
			envs []registry.Envelope
			want error
		}{
			{"gap in seq", []registry.Envelope{good[0], good[1], employerEnv(4, 1, "100000003", "Initech")}, registry.ErrConflict},
			{"seq repeated", []registry.Envelope{good[0], good[1], employerEnv(2, 1, "100000003", "Initech")}, registry.ErrConflict},
			{"version skipped", []registry.Envelope{good[0], good[1], employerEnv(3, 3, "100000001", "Acme")}, registry.ErrConflict},
			{"version repeated", []registry.Envelope{good[0], good[1], employerEnv(3, 1, "100000001", "Acme")}, registry.ErrConflict},
			{"another issuer", []registry.Envelope{good[0], good[1], func() registry.Envelope {
				e := good[2]
				e.Iss = "CA-ON"
				return e
			}()}, registry.ErrInvalid},
		}
		for _, tc := range refused {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				vs := peerEntries(t, tc.envs)
				n := nodetest.New(t, "CA-AB", nodetest.Options{Store: st.store()})
				before := replicaState(t, n)
				err := n.AppendReplica(t.Context(), "CA-BC", func(w node.ReplicaWriter) error { return w.AppendAll(vs) })
				if !errors.Is(err, tc.want) {
					t.Fatalf("got error %v, want %v", err, tc.want)
				}
				if got := replicaState(t, n); got != before {
					t.Errorf("after the refused batch the replica holds\n%s\nwant it unchanged\n%s", got, before)
				}
			})
		}
	}
	// An empty batch writes nothing and is not an error.
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	if err := n.AppendReplica(t.Context(), "CA-BC", func(w node.ReplicaWriter) error { return w.AppendAll(nil) }); err != nil {
		t.Errorf("AppendAll(nil): %v", err)
	}
}
