package web

import (
	"fmt"
	"html/template"
	"net/http"

	"github.com/corfed/corfed/equivalence"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// Program operation pages: the auditor page (the certificate page's audit
// and maintenance section is in certificate.html).

// auditorData is the auditor page's content.
type auditorData struct {
	V     node.AuditorView
	Today registry.Date
	// ReasonFR is the French status line's reason when a discipline action
	// decides the status: built from its parts, the body named in French,
	// the date in words, the body's own (English) words marked so.
	ReasonFR template.HTML
}

// disciplineFR is discipline action h in French: "suspendu par l'Alberta
// le 1er octobre 2026 : <span lang="en">…</span>".
func disciplineFR(h registry.DisciplineHold) template.HTML {
	fr := equivalence.French
	return template.HTML(fmt.Sprintf(msg(fr, "aud.disciplined"),
		template.HTMLEscapeString(msg(fr, "aud."+h.Status)),
		template.HTMLEscapeString(equivalence.JurisdictionThe(h.Body, fr)),
		when(fr, h.On),
		`<span lang="en">`+template.HTMLEscapeString(h.Reason)+`</span>`))
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
	d := auditorData{V: v, Today: today}
	if h, ok := registry.DisciplineHoldOn(v.Discipline, today); ok && v.Standing.Rule == "auditor.discipline" && p.Lang == equivalence.French {
		d.ReasonFR = disciplineFR(h)
	}
	p.Data = d
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
