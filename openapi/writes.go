package openapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

type createdOut[T any] struct {
	Location string `header:"Location"`
	Body     T
}

// writeResult renders the stored entry as a typed record.
func writeResult[T any](ctx context.Context, s *server, e registry.Entry, err error) (Record[T], error) {
	if err != nil {
		return Record[T]{}, s.problem(ctx, err)
	}
	r, err := record[T](e)
	if err != nil {
		return Record[T]{}, s.problem(ctx, err)
	}
	return r, nil
}

func (s *server) registerWrites(api huma.API) {
	// Employers.
	huma.Register(api, s.writeOp("create-employer", http.MethodPost, "/v1/employers", "Register an employer", http.StatusCreated, "employers"),
		func(ctx context.Context, in *struct {
			Body registry.Employer
		}) (*createdOut[Record[registry.Employer]], error) {
			p := principalOf(ctx)
			e, err := s.node.PutEmployer(ctx, p, in.Body, true)
			r, err := writeResult[registry.Employer](ctx, s, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.Employer]]{Location: "/v1/employers/" + r.ID, Body: r}, nil
		})
	huma.Register(api, s.writeOp("put-employer", http.MethodPut, "/v1/employers/{bn}", "Create or change an employer (a new signed version)", http.StatusOK, "employers"),
		func(ctx context.Context, in *struct {
			BN   string `path:"bn" pattern:"^[0-9]{9}$"`
			Body registry.Employer
		}) (*bodyOut[Record[registry.Employer]], error) {
			p := principalOf(ctx)
			if err := pathMismatch("bn", in.Body.BN, in.BN); err != nil {
				return nil, s.problem(ctx, withRules(err, in.Body.Validate()))
			}
			ctx = withOmitted[registry.Employer](ctx, registry.KindEmployer, in.BN)
			e, err := s.node.PutEmployer(ctx, p, in.Body, false)
			r, err := writeResult[registry.Employer](ctx, s, e, err)
			return &bodyOut[Record[registry.Employer]]{r}, err
		})

	// Certifying partners.
	huma.Register(api, s.writeOp("create-cp", http.MethodPost, "/v1/cps", "Register a certifying partner (program administrator)", http.StatusCreated, "certifying partners"),
		func(ctx context.Context, in *struct {
			Body registry.CertifyingPartner
		}) (*createdOut[Record[registry.CertifyingPartner]], error) {
			p := principalOf(ctx)
			e, err := s.node.PutCP(ctx, p, in.Body, true)
			r, err := writeResult[registry.CertifyingPartner](ctx, s, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.CertifyingPartner]]{Location: "/v1/cps/" + r.ID, Body: r}, nil
		})
	huma.Register(api, s.writeOp("put-cp", http.MethodPut, "/v1/cps/{id}", "Change a certifying partner (e.g. suspend it)", http.StatusOK, "certifying partners"),
		func(ctx context.Context, in *struct {
			IDPath
			Body registry.CertifyingPartner
		}) (*bodyOut[Record[registry.CertifyingPartner]], error) {
			p := principalOf(ctx)
			if err := pathMismatch("id", in.Body.ID, in.ID); err != nil {
				return nil, s.problem(ctx, withRules(err, in.Body.Validate()))
			}
			ctx = withOmitted[registry.CertifyingPartner](ctx, registry.KindCP, in.ID)
			e, err := s.node.PutCP(ctx, p, in.Body, false)
			r, err := writeResult[registry.CertifyingPartner](ctx, s, e, err)
			return &bodyOut[Record[registry.CertifyingPartner]]{r}, err
		})

	// Certificates.
	huma.Register(api, s.writeOp("create-certificate", http.MethodPost, "/v1/certificates", "Issue a certificate (COR or SECOR)", http.StatusCreated, "certificates"),
		func(ctx context.Context, in *struct {
			Body CertificateIn
		}) (*createdOut[Record[registry.Certificate]], error) {
			p := principalOf(ctx)
			e, err := s.node.CreateCertificate(ctx, p, node.NewCertificate(in.Body))
			r, err := writeResult[registry.Certificate](ctx, s, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.Certificate]]{Location: "/v1/certificates/" + r.ID, Body: r}, nil
		})
	huma.Register(api, s.writeOp("update-certificate", http.MethodPut, "/v1/certificates/{id}", "Correct a certificate's scope, WCB accounts or sector (a new signed version)", http.StatusOK, "certificates"),
		func(ctx context.Context, in *struct {
			IDPath
			Body CertificateUpdateIn
		}) (*bodyOut[Record[registry.Certificate]], error) {
			p := principalOf(ctx)
			ctx = withOmitted[CertificateUpdateIn](ctx, registry.KindCertificate, in.ID)
			e, err := s.node.UpdateCertificate(ctx, p, in.ID, node.CertificateUpdate(in.Body))
			r, err := writeResult[registry.Certificate](ctx, s, e, err)
			return &bodyOut[Record[registry.Certificate]]{r}, err
		})
	statusHandler := func(ctx context.Context, in *struct {
		IDPath
		Body StatusIn
	}) (*bodyOut[Record[registry.Certificate]], error) {
		p := principalOf(ctx)
		if p.Can(node.ScopeCertificates) { // else the node's 403 comes first
			if err := in.Body.check(ctx, in.ID); err != nil {
				return nil, err
			}
		}
		e, err := s.node.ChangeStatus(ctx, p, in.ID, node.StatusRequest{Action: in.Body.Action, Reason: in.Body.Reason, On: in.Body.On, SupersededBy: in.Body.SupersededBy})
		r, err := writeResult[registry.Certificate](ctx, s, e, err)
		return &bodyOut[Record[registry.Certificate]]{r}, err
	}
	huma.Register(api, s.writeOp("change-certificate-status", http.MethodPatch, "/v1/certificates/{id}", "Change a certificate's status (suspend, reinstate, cancel, revoke, expire, supersede, activate) with a reason", http.StatusOK, "certificates"), statusHandler)
	huma.Register(api, s.writeOp("post-certificate-status", http.MethodPost, "/v1/certificates/{id}/status", "Same as PATCH /v1/certificates/{id}", http.StatusOK, "certificates"), statusHandler)

	// Equivalencies.
	huma.Register(api, s.writeOp("create-equivalency", http.MethodPost, "/v1/equivalencies", "Record an ISO 45001 / CSA Z45001 / CSA Z1000 certification and the equivalency decision", http.StatusCreated, "equivalencies"),
		func(ctx context.Context, in *struct {
			Body EquivalencyIn
		}) (*createdOut[Record[registry.Equivalency]], error) {
			p := principalOf(ctx)
			e, err := s.node.PutEquivalency(ctx, p, in.Body.record(""), true)
			r, err := writeResult[registry.Equivalency](ctx, s, e, err)
			if err != nil {
				return nil, err
			}
			return &createdOut[Record[registry.Equivalency]]{Location: "/v1/equivalencies/" + r.ID, Body: r}, nil
		})
	huma.Register(api, s.writeOp("put-equivalency", http.MethodPut, "/v1/equivalencies/{id}", "Change an equivalency record (a new signed version)", http.StatusOK, "equivalencies"),
		func(ctx context.Context, in *struct {
			IDPath
			Body EquivalencyIn
		}) (*bodyOut[Record[registry.Equivalency]], error) {
			p := principalOf(ctx)
			ctx = withOmitted[EquivalencyIn](ctx, registry.KindEquivalency, in.ID)
			e, err := s.node.PutEquivalency(ctx, p, in.Body.record(in.ID), false)
			r, err := writeResult[registry.Equivalency](ctx, s, e, err)
			return &bodyOut[Record[registry.Equivalency]]{r}, err
		})
}
