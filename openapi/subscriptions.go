package openapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/webhook"
)

// withJWKs appends extra public JWKs to a JWKS document.
func withJWKs(jwks []byte, extra []json.RawMessage) ([]byte, error) {
	if len(extra) == 0 {
		return jwks, nil
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, err
	}
	set.Keys = append(set.Keys, extra...)
	return json.Marshal(set)
}

// endpointOf is a webhook URL as a log may show it: its scheme, host and
// port only. Many receivers authenticate by a secret in the URL (a token
// in the query, a path Slack or Teams hand out), which a log must not
// keep; the subscription's id names the rest.
func endpointOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(not a URL)" // Create refuses it; never the text itself
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// WebhookKeyOut is the webhook signing key, and every key that signs.
type WebhookKeyOut struct {
	JWK  webhook.JWK  `json:"jwk" doc:"The active key. Also in /.well-known/jwks.json, with use corfed-webhook."`
	WHPK string       `json:"whpk" doc:"The active key in Standard Webhooks' form: whpk_ and the standard base64 of the 32 bytes."`
	Alg  string       `json:"alg" doc:"Signatures are v1a: Ed25519 over {webhook-id}.{webhook-timestamp}.{body}."`
	Keys []WebhookKey `json:"keys" nullable:"false" doc:"Every key that signs now: the active key and, during a rotation's overlap, the key it replaced (status retiring, until retire_at). Each webhook carries one v1a signature per key, the active key's first."`
}

// WebhookKey is one webhook key in both forms.
type WebhookKey struct {
	JWK  webhook.JWK `json:"jwk"`
	WHPK string      `json:"whpk"`
}

// ReplayIn asks to queue a subscription's events again.
type ReplayIn struct {
	Jurisdiction registry.Jurisdiction `json:"jurisdiction" doc:"Whose log (the node's own, or a member's)."`
	FromSeq      uint64                `json:"from_seq" minimum:"1" doc:"The first log index (seq) to replay."`
}

// SubscriptionOps registers the webhook subscriptions (program
// administrator, scope subscriptions:write) and the webhook key.
func SubscriptionOps(svc *webhook.Service) Extension {
	return func(api huma.API, h *Helpers) {
		huma.Register(api, h.Op("webhook-key", http.MethodGet, "/v1/webhooks/key",
			"The Ed25519 public key that signs this node's webhooks (never entries)", "webhooks"),
			func(ctx context.Context, _ *struct{}) (*bodyOut[WebhookKeyOut], error) {
				k := svc.Keys().Active()
				out := WebhookKeyOut{JWK: k.JWK(), WHPK: k.WHPK(), Alg: "v1a (Ed25519)", Keys: []WebhookKey{}}
				for _, k := range svc.SigningKeys() {
					out.Keys = append(out.Keys, WebhookKey{JWK: k.JWK(), WHPK: k.WHPK()})
				}
				return &bodyOut[WebhookKeyOut]{out}, nil
			})
		huma.Register(api, h.WriteOp("create-subscription", http.MethodPost, "/v1/subscriptions",
			"Subscribe a webhook endpoint to certificates, BNs, jurisdictions or recognition pairs (program administrator)", http.StatusCreated, "webhooks"),
			func(ctx context.Context, in *struct{ Body webhook.NewSubscription }) (*createdOut[webhook.Subscription], error) {
				sub, err := svc.Create(ctx, PrincipalOf(ctx), in.Body)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				h.AuditWrite(ctx, "subscription", sub.ID, slog.String("action", "create"), slog.String("endpoint", endpointOf(sub.URL)))
				return &createdOut[webhook.Subscription]{Location: "/v1/subscriptions/" + sub.ID, Body: sub}, nil
			})
		huma.Register(api, h.WriteOp("list-subscriptions", http.MethodGet, "/v1/subscriptions",
			"The subscriptions, by id, with their state and how many messages wait (program administrator)", http.StatusOK, "webhooks"),
			func(ctx context.Context, in *struct {
				Limit int `query:"limit" minimum:"1" maximum:"1000" default:"100"`
				CursorIn
			}) (*bodyOut[SubscriptionsOut], error) {
				pg, err := svc.List(ctx, PrincipalOf(ctx), in.Limit, in.Cursor)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				return &bodyOut[SubscriptionsOut]{SubscriptionsOut{Subscriptions: pg.Items, Count: len(pg.Items), ListPage: listPage(pg)}}, nil
			})
		huma.Register(api, h.WriteOp("delete-subscription", http.MethodDelete, "/v1/subscriptions/{id}",
			"Delete a subscription: messages not yet delivered are dropped, with its delivery log", http.StatusNoContent, "webhooks"),
			func(ctx context.Context, in *SubscriptionPath) (*struct{}, error) {
				if err := svc.Delete(ctx, PrincipalOf(ctx), in.ID); err != nil {
					return nil, h.Problem(ctx, err)
				}
				h.AuditWrite(ctx, "subscription", in.ID, slog.String("action", "delete"))
				return nil, nil
			})
		huma.Register(api, h.WriteOp("get-subscription", http.MethodGet, "/v1/subscriptions/{id}",
			"A subscription, its state and how many messages wait", http.StatusOK, "webhooks"),
			func(ctx context.Context, in *SubscriptionPath) (*bodyOut[webhook.Subscription], error) {
				sub, err := svc.Get(ctx, PrincipalOf(ctx), in.ID)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				return &bodyOut[webhook.Subscription]{sub}, nil
			})
		huma.Register(api, h.WriteOp("subscription-deliveries", http.MethodGet, "/v1/subscriptions/{id}/deliveries",
			"The subscription's delivery log, newest first", http.StatusOK, "webhooks"),
			func(ctx context.Context, in *struct {
				SubscriptionPath
				Limit int `query:"limit" minimum:"1" maximum:"1000" default:"100"`
				CursorIn
			}) (*bodyOut[DeliveriesOut], error) {
				pg, err := svc.DeliveriesPage(ctx, PrincipalOf(ctx), in.ID, in.Limit, in.Cursor)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				return &bodyOut[DeliveriesOut]{DeliveriesOut{Deliveries: pg.Items, Count: len(pg.Items), ListPage: listPage(pg)}}, nil
			})
		huma.Register(api, h.WriteOp("replay-subscription", http.MethodPost, "/v1/subscriptions/{id}/replay",
			"Queue again the events of a member's log from a log index, with their original webhook-ids", http.StatusOK, "webhooks"),
			func(ctx context.Context, in *struct {
				SubscriptionPath
				Body ReplayIn
			}) (*bodyOut[webhook.ReplayResult], error) {
				r, err := svc.Replay(ctx, PrincipalOf(ctx), in.ID, in.Body.Jurisdiction, in.Body.FromSeq)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				h.AuditWrite(ctx, "subscription", in.ID, slog.String("action", "replay"), slog.String("jurisdiction", string(in.Body.Jurisdiction)), slog.Uint64("from_seq", uint64(in.Body.FromSeq)))
				return &bodyOut[webhook.ReplayResult]{r}, nil
			})
		huma.Register(api, h.WriteOp("set-subscription-status", http.MethodPost, "/v1/subscriptions/{id}/status",
			"Enable a subscription again (clearing its failures) or disable it", http.StatusOK, "webhooks"),
			func(ctx context.Context, in *struct {
				SubscriptionPath
				Body struct {
					Status string `json:"status" enum:"active,disabled"`
				}
			}) (*bodyOut[webhook.Subscription], error) {
				sub, err := svc.SetActive(ctx, PrincipalOf(ctx), in.ID, in.Body.Status == webhook.SubActive)
				if err != nil {
					return nil, h.Problem(ctx, err)
				}
				h.AuditWrite(ctx, "subscription", in.ID, slog.String("action", "status"), slog.String("status", in.Body.Status))
				return &bodyOut[webhook.Subscription]{sub}, nil
			})
	}
}

// SubscriptionsOut is a page of subscriptions.
type SubscriptionsOut struct {
	Subscriptions []webhook.Subscription `json:"subscriptions"`
	Count         int                    `json:"count" doc:"Subscriptions on this page."`
	ListPage
}

// DeliveriesOut is a delivery log.
type DeliveriesOut struct {
	Deliveries []webhook.Delivery `json:"deliveries"`
	Count      int                `json:"count" doc:"Deliveries on this page."`
	ListPage
}

// SubscriptionPath is a subscription id in the path.
type SubscriptionPath struct {
	ID string `path:"id" maxLength:"64" doc:"The subscription id (sub_...)."`
}
