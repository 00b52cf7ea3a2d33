package registry_test

import (
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/msgfr"
)

// TestTransitionRefusalInFrench (review s28-o, L2): a status change the
// status forbids says, in French, the action and the status in French
// words; it said "action reinstate impossible : le certificat est active".
// The English sentence keeps the codes.
func TestTransitionRefusalInFrench(t *testing.T) {
	tests := []struct {
		name   string
		refuse func() error
		en, fr string
	}{
		{"reinstate an active certificate", func() error {
			_, err := registry.Transition(registry.StatusActive, registry.ActionReinstate)
			return err
		},
			"cannot reinstate a certificate that is active", "impossible de réactiver le certificat : il est actif"},
		{"suspend a revoked certificate", func() error {
			_, err := registry.Transition(registry.StatusRevoked, registry.ActionSuspend)
			return err
		},
			"cannot suspend a certificate that is revoked", "impossible de suspendre le certificat : il est révoqué"},
		{"supersede an expired certificate", func() error {
			_, err := registry.Transition(registry.StatusExpired, registry.ActionSupersede)
			return err
		},
			"cannot supersede a certificate that is expired", "impossible de remplacer le certificat : il est expiré"},
		{"suspend a withdrawn equivalency", func() error {
			_, err := registry.EquivalencyTransition(registry.EqvWithdrawn, registry.ActionSuspend)
			return err
		}, "cannot suspend an equivalency that is withdrawn", "impossible de suspendre l'équivalence : elle est retirée"},
		{"reinstate an active equivalency", func() error {
			_, err := registry.EquivalencyTransition(registry.EqvActive, registry.ActionReinstate)
			return err
		}, "cannot reinstate an equivalency that is active", "impossible de réactiver l'équivalence : elle est active"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.refuse()
			var ce *registry.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a ConflictError", err)
			}
			if got := err.Error(); got != tc.en {
				t.Errorf("English: got %q, want %q", got, tc.en)
			}
			if got := msgfr.Sprintf(ce.Format, ce.Args...); got != tc.fr {
				t.Errorf("French: got %q, want %q", got, tc.fr)
			}
		})
	}
}
