package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// corfed verify prints what the proof is about: employer, host, use and
// date, but not the sector (or industry code) the decision was made for.
// Recognition is sector-specific (an agreement covers one sector, a host
// certificate its industry scope), so a "proof holds ... recognized" for
// construction reads the same as one for any other sector.
func TestVerifyPrintsTheSector(t *testing.T) {
	fed, fedPath := soloFederation(t)
	a, err := federation.NewLookups(fed).Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")})
	if err != nil || a.Decision.Outcome != equivalence.Recognized {
		t.Fatalf("%+v %v", a.Decision, err)
	}
	code, out, stderr := run(t, "verify", a.Proof, "--federation", fedPath)
	if code != 0 {
		t.Fatalf("verify: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "sector construction") {
		t.Fatalf("the proof is about sector construction, but corfed verify does not say so: %s", out)
	}
	for _, want := range []string{"signed by CA-AB at 2026-11-25T12:00:00Z", "data of CA-AB: the answering node's own log"} {
		if !strings.Contains(out, want) {
			t.Fatalf("corfed verify does not say %q: %s", want, out)
		}
	}
	if strings.Contains(out, "projection") {
		t.Fatalf("a proof about the day it was signed is called a projection: %s", out)
	}
}

// corfed verify prints "any sector" for a question that names none, the
// conditions a conditional decision leaves to confirm, when it was
// signed, the projection of a date after that day, and per member whose
// records the decision cites how old the answering node's copy was.
func TestVerifyPrintsConditionsProjectionAndDataAge(t *testing.T) {
	iat := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	c := federation.ProofClaims{Iss: "CA-BC", Iat: iat.Unix(), Exp: iat.Add(24 * time.Hour).Unix(),
		Question: federation.QuestionJSON{BN: "812345676", Host: "CA-SK", Use: "work", On: registry.MustDate("2027-02-01")},
		Decision: equivalence.Decision{Outcome: equivalence.Conditional, Basis: equivalence.BasisAgreement,
			ValidFrom: registry.MustDate("2027-02-01"), ValidUntil: registry.MustDate("2027-07-31"),
			Conditions: []equivalence.Condition{{Code: "bid_use_only", Text: "bids only", Met: true}, {Code: "no_permanent_office_in_host", Text: "The employer has no permanent office in CA-SK.", Met: false}},
			Evidence:   []registry.Ref{{Iss: "CA-AB", Kind: registry.KindCertificate, ID: "C1", Ver: 1, Seq: 3}, {Iss: "CA-BC", Kind: registry.KindAgreement, ID: "A1", Ver: 1, Seq: 4}}},
		Freshness: []federation.Freshness{{Jurisdiction: "CA-BC", Self: true, Seq: 40}, {Jurisdiction: "CA-AB", Seq: 22, LastSuccess: iat.Add(-3 * time.Hour), AgeSeconds: 3 * 3600, LastError: "sync CA-AB: connection refused"}},
	}
	var b strings.Builder
	printProof(&b, c, equivalence.English)
	out := b.String()
	for _, want := range []string{
		"signed by CA-BC at 2026-11-25T18:00:00Z", "any sector", "conditional via home_cor_agreement",
		"condition to confirm: no_permanent_office_in_host: The employer has no permanent office in CA-SK.",
		"projection: 2027-02-01 is after the day it was signed (2026-11-25 in CA-SK)",
		"data of CA-AB: synced 3h0m0s before signing (22 entries held", "the last sync FAILED: sync CA-AB: connection refused",
		"data of CA-BC: the answering node's own log (40 entries)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "bid_use_only") {
		t.Errorf("a met condition is listed as one to confirm:\n%s", out)
	}
	c.Freshness = nil
	b.Reset()
	printProof(&b, c, equivalence.English)
	if !strings.Contains(b.String(), "data of CA-AB: age not signed") {
		t.Errorf("a proof without signed freshness:\n%s", b.String())
	}
}

// corfed verify prints the reasons and conditions of a proof that holds
// with the texts the decision re-derived from its evidence gives, not the
// ones the answering node signed: a recognition re-signed with its honest
// codes but "revoked for falsified audit records" as their text prints
// the honest reasons, and that text nowhere. (A recognition: corfed verify
// reads the clock, and a refusal's proof made on the test's date has
// expired.)
func TestVerifyPrintsTheReDerivedReasons(t *testing.T) {
	fed, fedPath := soloFederation(t)
	a, err := federation.NewLookups(fed).Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")})
	if err != nil || a.Decision.Outcome != equivalence.Recognized || len(a.Decision.Reasons) == 0 {
		t.Fatalf("setup: %+v %v", a.Decision, err)
	}
	const defaming = "The employer's COR was revoked for falsified audit records."
	parts := strings.Split(a.Proof, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	for _, r := range claims["decision"].(map[string]any)["reasons"].([]any) {
		r.(map[string]any)["text"] = defaming
	}
	raw, err = json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := fed.Node().ActiveKey().Sign(raw, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "verify", forged, "--federation", fedPath)
	if code != 0 {
		t.Fatalf("verify: exit %d: %s", code, stderr)
	}
	if strings.Contains(out, defaming) {
		t.Errorf("corfed verify prints the signed text %q as verified:\n%s", defaming, out)
	}
	for _, r := range a.Decision.Reasons {
		if want := "reason: " + r.Code + ": " + r.Text; !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// corfed verify --lang fr prints in French what a proof says: the
// sentences around the codes, and the reasons the decision re-derived
// from its evidence in the engine's French texts, whatever language the
// proof was asked in; and, for a proof that does not hold, why in French.
// Without --lang, or with --lang en, it prints English; another language
// is a usage error.
func TestVerifyLang(t *testing.T) {
	fed, fedPath := soloFederation(t)
	l := federation.NewLookups(fed)
	q := equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")}
	en, err := l.Recognize(t.Context(), q)
	if err != nil || en.Decision.Outcome != equivalence.Recognized || len(en.Decision.Reasons) == 0 {
		t.Fatalf("setup: %+v %v", en.Decision, err)
	}
	q.Lang = equivalence.French
	fr, err := l.Recognize(t.Context(), q)
	if err != nil || len(fr.Decision.Reasons) != len(en.Decision.Reasons) {
		t.Fatalf("setup: %+v %v", fr.Decision, err)
	}
	reasons := func(d equivalence.Decision, label string) []string {
		var out []string
		for _, r := range d.Reasons {
			out = append(out, label+r.Code+sep(label)+r.Text)
		}
		return out
	}
	// A proof whose evidence was altered: its signature no longer holds.
	tampered := en.Proof[:len(en.Proof)-2] + flip(en.Proof[len(en.Proof)-2]) + en.Proof[len(en.Proof)-1:]
	for _, tc := range []struct {
		name           string
		proof          string
		args           []string
		code           int
		want, wantNot  []string
		stderr, errNot string
	}{
		{name: "default English", proof: en.Proof, want: append(reasons(en.Decision, "reason: "), "proof holds: ", "sector construction"), wantNot: []string{"motif"}},
		{name: "en", proof: fr.Proof, args: []string{"--lang", "en"}, want: append(reasons(en.Decision, "reason: "), "proof holds: "), wantNot: []string{"motif"}},
		{name: "fr of an English proof", proof: en.Proof, args: []string{"--lang", "fr"},
			want: append(reasons(fr.Decision, "motif : "), "la preuve tient : signée par CA-AB", "employeur 812345676 en Alberta", "secteur construction", "Reconnu (recognized)", "données de CA-AB : le journal du nœud qui répond",
				"pour exécuter des travaux (work) le 2026-11-25"),
			wantNot: []string{"reason:", "proof holds", "evidence records", "data of", "pour work"}},
		{name: "fr=", proof: fr.Proof, args: []string{"--lang=fr"}, want: reasons(fr.Decision, "motif : ")},
		{name: "fr, does not hold", proof: tampered, args: []string{"--lang", "fr"}, code: 1, stderr: "la preuve ne tient pas : la signature ou la validité du nœud qui répond", errNot: "does not hold"},
		{name: "en, does not hold", proof: tampered, code: 1, stderr: "proof does not hold: the answering node's signature or validity"},
		{name: "de", proof: en.Proof, args: []string{"--lang", "de"}, code: 2, stderr: "--lang \"de\": want en or fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, append([]string{"verify", tc.proof, "--federation", fedPath}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s%s", code, tc.code, out, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in:\n%s", w, out)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("%q in:\n%s", w, out)
				}
			}
			if !strings.Contains(stderr, tc.stderr) || (tc.errNot != "" && strings.Contains(stderr, tc.errNot)) {
				t.Errorf("stderr %q, want %q (and not %q)", stderr, tc.stderr, tc.errNot)
			}
		})
	}
}

// sep is the separator of a reason's code and text after label.
func sep(label string) string {
	if strings.HasSuffix(label, " : ") {
		return " : "
	}
	return ": "
}

// TestVerifyCountsEvidenceInWords (review s28-o, L3): one evidence record
// is "1 evidence record ... from it", in English and French; it said "1
// evidence records".
func TestVerifyCountsEvidenceInWords(t *testing.T) {
	c := func(n int) federation.ProofClaims {
		return federation.ProofClaims{Iss: "CA-AB", Iat: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC).Unix(), Exp: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC).Unix(),
			Question: federation.QuestionJSON{BN: "812345676", Host: "CA-AB", Use: "bid", On: registry.MustDate("2026-11-25")},
			Decision: equivalence.Decision{Outcome: equivalence.NotRecognized}, Evidence: make([]federation.Evidence, n)}
	}
	tests := []struct {
		n         int
		lang      equivalence.Lang
		want, not string
	}{
		{1, equivalence.English, "; 1 evidence record verified against pinned keys, the decision re-derived from it;", "records"},
		{2, equivalence.English, "; 2 evidence records verified against pinned keys, the decision re-derived from them;", "record verified"},
		{1, equivalence.French, " ; 1 pièce justificative vérifiée avec les clés épinglées, la décision redérivée à partir d'elle ;", "pièces"},
		{3, equivalence.French, " ; 3 pièces justificatives vérifiées", "pièce justificative vérifiée"},
	}
	for _, tc := range tests {
		var out strings.Builder
		printProof(&out, c(tc.n), tc.lang)
		if !strings.Contains(out.String(), tc.want) || strings.Contains(out.String(), tc.not) {
			t.Errorf("%d records, %s: got %q, want %q (and not %q)", tc.n, tc.lang, out.String(), tc.want, tc.not)
		}
	}
}

// soloFederation is a seeded CA-AB node alone in a federation, and the
// path of the federation file that pins its keys.
func soloFederation(t *testing.T) (*federation.Federation, string) {
	t.Helper()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Rules: true})
	b, err := federation.MarshalTrust("solo", []federation.Member{{Jurisdiction: "CA-AB", URL: "http://127.0.0.1:1", Keys: n.PublicKeys()}})
	if err != nil {
		t.Fatal(err)
	}
	fedPath := filepath.Join(t.TempDir(), "federation.json")
	if err := os.WriteFile(fedPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	trust, err := federation.ParseTrust(b)
	if err != nil {
		t.Fatal(err)
	}
	fed, err := federation.New(federation.Config{Node: n.Node, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	return fed, fedPath
}
