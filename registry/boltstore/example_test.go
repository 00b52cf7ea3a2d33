package boltstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"golang.org/x/mod/sumdb/tlog"
)

func Example() {
	dir, _ := os.MkdirTemp("", "boltstore")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	db, err := boltstore.Open(filepath.Join(dir, "node.db"), boltstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// Append the next entry of the node's own feed. fn may run more than
	// once, so it assigns its result rather than accumulating it.
	var seq uint64
	err = db.Update(ctx, func(tx *boltstore.Tx) error {
		feed := tx.Log("self")
		seq = feed.Size() + 1
		e := registry.Entry{
			Iss: "CA-QC", Seq: seq, Kind: registry.KindEmployer, ID: "E1", Ver: 1,
			Record: []byte(`{"name":"Béton Québec"}`),
			JWS:    "eyJhbGciOiJFZERTQSJ9.eyJzZXEiOjF9.c2ln", // signed over the envelope by registry/node
		}
		return feed.Append(e, boltstore.IndexKey{Name: "bn", Value: "123456782"})
	})
	if err != nil {
		log.Fatal(err)
	}

	err = db.View(ctx, func(tx *boltstore.Tx) error {
		feed := tx.Log("self")
		refs, err := feed.Lookup("bn", "123456782", false, 10)
		if err != nil {
			return err
		}
		e, err := feed.Latest(refs[0].Kind, refs[0].ID)
		if err != nil {
			return err
		}
		root, err := feed.TreeHash(feed.Size())
		if err != nil {
			return err
		}
		proof, err := feed.InclusionProof(e.Seq, feed.Size())
		if err != nil {
			return err
		}
		fmt.Println(e.Kind, e.ID, "version", e.Ver, "at seq", e.Seq)
		fmt.Println("included:", tlog.CheckRecord(proof, int64(feed.Size()), root, int64(e.Seq-1), tlog.RecordHash([]byte(e.JWS))) == nil)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// employer E1 version 1 at seq 1
	// included: true
}
