package web

import (
	"net/http"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Program operation pages: the auditor page (the certificate page's audit
// and maintenance section is in certificate.html).

// auditorData is the auditor page's content.
type auditorData struct {
	V     node.AuditorView
	Today registry.Date
}

// auditor shows an auditor of the national registry: status today with
// why, credentials with theirs, and every body's discipline actions.
func (s *Site) auditor(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(w, r, "aud.title")
	today := s.cfg.Node.Today()
	v, err := s.cfg.Node.Auditor(r.Context(), r.PathValue("id"), today)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title = p.T("aud.title") + " " + v.Auditor.Name
	p.Data = auditorData{V: v, Today: today}
	s.render(w, r, http.StatusOK, "auditor", p)
}

// auditorBadge is the badge class of an auditor or credential status.
func auditorBadge(st string) string {
	switch st {
	case registry.AuditorCertified:
		return "ok"
	case registry.AuditorCandidate:
		return "warn"
	}
	return "bad"
}

// maintenanceBadge is the badge class of a maintenance state.
func maintenanceBadge(st string) string {
	switch st {
	case node.MaintenanceDone:
		return "ok"
	case node.MaintenanceDueSoon:
		return "warn"
	}
	return "bad"
}
