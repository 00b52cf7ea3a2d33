package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/pass"
	"github.com/corfed/corfed/registry/statuslist"
)

// errNoStatus: no status list could be had, fetched or cached.
var errNoStatus = errors.New("no status list")

// passOptions are corfed verify's flags for passes.
type passOptions struct {
	cache       *string
	offline     *bool
	acceptStale *bool
	now         func() time.Time // tests
}

func passFlags(fl *flag.FlagSet) *passOptions {
	def := ""
	if d, err := os.UserCacheDir(); err == nil {
		def = filepath.Join(d, "corfed", "status-lists")
	}
	return &passOptions{
		cache:       fl.String("status-cache", def, "for a pass: where status lists are cached, one file per jurisdiction"),
		offline:     fl.Bool("offline", false, "for a pass: never fetch a status list; use the cached one, saying when it is stale"),
		acceptStale: fl.Bool("accept-stale", false, "for a pass: exit 0 when it holds on a stale status list (else exit 3: its status is not confirmed)"),
		now:         time.Now,
	}
}

func isPass(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), pass.Prefix) }

// verifyPass checks a COR pass: its signature against the federation
// file's pinned keys, then its status in its issuer's status list. The list
// is fetched from the URL the federation file pins for the issuer (it must
// be the one the pass names), verified and cached; when that fails, or
// with --offline, the cached list is used, and the answer says when it is
// past its ttl (stale). A list fetched that is already stale, or older
// than the one cached, counts as a failed fetch (see statuslist.CheckFetched
// and CheckReplaces). An expired list (exp) is not used at all.
func verifyPass(ctx context.Context, text string, trust *federation.Trust, o *passOptions, stdout io.Writer) error {
	now := o.now()
	keys := federation.TrustKeys(trust)
	src := func(ctx context.Context, iss registry.Jurisdiction, uri string) (string, string, error) {
		m, ok := trust.Member(iss)
		if !ok || uri != federation.StatusListURLOf(m.URL) {
			return "", "", fmt.Errorf("the pass names status list %q, not the one at %s's URL in the federation file", uri, iss)
		}
		file := ""
		var cached string
		if *o.cache != "" {
			file = filepath.Join(*o.cache, string(iss)+".jwt")
			if b, err := os.ReadFile(file); err == nil {
				cached = strings.TrimSpace(string(b))
			}
		}
		ks, _ := keys(iss)
		var held statuslist.Token
		if cached != "" {
			if c, err := statuslist.Verify(ks, cached, iss, uri); err != nil {
				cached = "" // a corrupt or foreign cache file is not used
			} else {
				held = c
			}
		}
		if *o.offline {
			if cached == "" {
				return "", "", fmt.Errorf("%w: --offline and no cached status list", errNoStatus)
			}
			return cached, "--offline", nil
		}
		tok, err := federation.FetchStatusList(ctx, uri, 10*time.Second)
		if err == nil {
			if fresh, verr := statuslist.Verify(ks, tok, iss, uri); verr != nil {
				err = verr
			} else if err = statuslist.CheckFetched(fresh, now); err == nil {
				err = statuslist.CheckReplaces(fresh, tok, held, cached, now)
			}
		}
		if err != nil {
			if cached == "" {
				return "", "", fmt.Errorf("%w: %w", errNoStatus, err)
			}
			return cached, "fetching a fresh one failed: " + err.Error(), nil
		}
		if file != "" {
			if err := os.MkdirAll(filepath.Dir(file), 0o700); err == nil {
				_ = os.WriteFile(file, []byte(tok+"\n"), 0o600)
			}
		}
		return tok, "", nil
	}
	c, err := federation.CheckPass(ctx, text, keys, src, now)
	if errors.Is(err, jose.ErrUnknownKey) {
		// A key the federation file does not pin, of a member it lists:
		// most likely a key the member rotated to after the file was
		// issued. That is not a forgery the file can tell, so: exit 4.
		claimed, _ := pass.Inspect(text)
		what := "the key that signed its status list"
		if c.Pass.CertificateID == "" {
			what = fmt.Sprintf("key %x (short kid)", claimed.KID)
		}
		return &exitError{code: 4, err: fmt.Errorf("pass could not be checked: your federation file does not hold %s of %s (the member may have rotated its keys since the file was issued); get the current federation file: %w",
			what, claimed.Iss, err)}
	}
	if errors.Is(err, errNoStatus) {
		return &exitError{code: 4, err: fmt.Errorf("pass could not be checked: its signature verifies, but no status list of %s could be had: %w", c.Pass.Iss, err)}
	}
	if err != nil {
		return fmt.Errorf("pass does not hold: %w", err)
	}
	p := c.Pass
	what := fmt.Sprintf("%s %s %s (certificate %s) of %s, BN %s", p.Iss, p.Program, p.Number, p.CertificateID, p.EmployerName, p.EmployerBN)
	list := fmt.Sprintf("%s's status list of %s, index %d", p.Iss, c.List.Iat.Format(time.RFC3339), p.StatusIdx)
	stale := ""
	if c.Stale {
		stale = fmt.Sprintf("; the status list is STALE: made %s, ttl %s, so it should have been replaced at %s (%s)",
			c.List.Iat.Format(time.RFC3339), c.List.TTL, c.List.Iat.Add(c.List.TTL).Format(time.RFC3339), c.StaleWhy)
	}
	if !c.Holds() {
		return fmt.Errorf("pass does not hold: %s is %s in %s%s", what, statuslist.Name(c.Status), list, stale)
	}
	if c.Stale && (o.acceptStale == nil || !*o.acceptStale) {
		return &exitError{code: 3, err: fmt.Errorf("pass STALE, its status not confirmed: the signature verifies and %s is valid in %s%s; a recent suspension or revocation may not show (--accept-stale takes it)",
			what, list, stale)}
	}
	fmt.Fprintf(stdout, "pass holds: %s; scope %s; issued %s, expires %s; signature verified against %s's pinned keys; valid in %s%s; log entry seq %d, proof at /v1/proofs/%x\n",
		what, p.Scope, p.IssuedOn, p.ExpiresOn, p.Iss, list, stale, p.Seq, p.LeafHash)
	return nil
}
