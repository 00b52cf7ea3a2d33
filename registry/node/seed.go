package node

import (
	"context"
	"fmt"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/strictjson"
)

// SeedFile is the format of testdata/seed/CA-XX.json: one jurisdiction's
// example records, loaded in this order through the node's write path.
type SeedFile struct {
	Jurisdiction  registry.Jurisdiction        `json:"jurisdiction"`
	CPs           []registry.CertifyingPartner `json:"cps"`
	Employers     []registry.Employer          `json:"employers"`
	Equivalencies []registry.Equivalency       `json:"equivalencies"`
	Certificates  []NewCertificate             `json:"certificates"`
	StatusChanges []SeedStatusChange           `json:"status_changes"`
}

// SeedStatusChange is a status change in a seed file.
type SeedStatusChange struct {
	Certificate  string        `json:"certificate"`
	Action       string        `json:"action"`
	Reason       string        `json:"reason"`
	On           registry.Date `json:"on"`
	SupersededBy string        `json:"superseded_by,omitempty"`
}

// ParseSeed parses a seed file strictly.
func ParseSeed(data []byte) (SeedFile, error) {
	var f SeedFile
	if err := strictjson.Decode(data, &f); err != nil {
		return f, fmt.Errorf("seed file: %v: %w", err, registry.ErrInvalid)
	}
	return f, nil
}

// Empty reports whether the node holds no records but its keys.
func (n *Node) Empty(ctx context.Context) (bool, error) {
	es, _, err := n.Feed(ctx, 0, 1000)
	if err != nil {
		return false, err
	}
	for _, e := range es {
		if e.Kind != registry.KindKey {
			return false, nil
		}
	}
	return true, nil
}

// Seed loads f through the same write path as the API, as the program
// administrator. It returns the number of entries written.
func (n *Node) Seed(ctx context.Context, f SeedFile) (int, error) {
	if f.Jurisdiction != n.cfg.Jurisdiction {
		return 0, fmt.Errorf("seed file is for %s, this node is %s: %w", f.Jurisdiction, n.cfg.Jurisdiction, registry.ErrInvalid)
	}
	admin := Principal{Subject: "seed", Role: RoleAdmin, Scopes: AllScopes}
	count := 0
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("seed %s: %w", what, err)
		}
		count++
		return nil
	}
	for _, cp := range f.CPs {
		if err := step("cp "+cp.ID, second(n.PutCP(ctx, admin, cp, true))); err != nil {
			return count, err
		}
	}
	for _, e := range f.Employers {
		if err := step("employer "+e.BN, second(n.PutEmployer(ctx, admin, e, true))); err != nil {
			return count, err
		}
	}
	for _, q := range f.Equivalencies {
		if err := step("equivalency "+q.ExternalNumber, second(n.PutEquivalency(ctx, admin, q, true))); err != nil {
			return count, err
		}
	}
	for _, c := range f.Certificates {
		if err := step("certificate "+c.Number, second(n.CreateCertificate(ctx, admin, c))); err != nil {
			return count, err
		}
	}
	for _, s := range f.StatusChanges {
		r := StatusRequest{Action: s.Action, Reason: s.Reason, On: s.On, SupersededBy: s.SupersededBy}
		if err := step("status of "+s.Certificate, second(n.ChangeStatus(ctx, admin, s.Certificate, r))); err != nil {
			return count, err
		}
	}
	return count, nil
}

func second[T any](_ T, err error) error { return err }
