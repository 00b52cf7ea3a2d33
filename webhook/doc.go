// Package webhook tells subscribers when something they watch changes:
// watchlists (certificates, employers by BN, whole jurisdictions, and
// (employer, host) recognition pairs) delivered as Standard Webhooks
// (https://www.standardwebhooks.com) signed with Ed25519 ("v1a").
//
// It is a part of its own (a top-level package) because it is neither the
// registry nor the federation: it reads both, the node's own feed and the
// verified replicas, through node.View, and keeps its state in a bbolt
// file of its own, DATA/outbox.db, so that the registry's Store holds only
// signed logs. Nothing here writes a record.
//
// # Events
//
// The outbox follows every log the node reads (its own feed and each
// replica) with a cursor per log. Each new certificate version whose
// status differs from the version before (or a first version) is an event
// "certificate.status_changed" for every subscription watching that
// certificate, its employer's BN or its jurisdiction: peers' changes
// arrive through sync exactly like the node's own. Once a day (and at
// start) "certificate.expiring" is raised for watched active certificates
// expiring within one of the subscription's expiring_days (default 30 and
// 7). After any log grew, each watched (employer, host) pair is decided
// again and a different outcome is "recognition.changed". A peer marked
// misbehaving is "peer.misbehaving", and a mark the administrator lifted
// "peer.reinstated", to every subscription (once per mark and lifting).
//
// The events of a page of entries are put in the subscriptions' queues in
// the same transaction that advances the log's cursor: a crash (kill -9)
// anywhere loses nothing and duplicates nothing in the outbox; it is read
// again from the cursor. The node's Store is wrapped (NotifyingStore) so
// that every committed write, own or replica, wakes the outbox at once.
//
// # Delivery
//
// Each subscription has its own queue, delivered in order, one message at
// a time: at least once (a message leaves its queue only after a 2xx),
// with exponential backoff and jitter between attempts (Config.Backoff),
// and the subscription disabled once it has failed for
// Config.DisableAfter (or at once on 410 Gone). A disabled subscription
// is only not delivered to: its events are still queued, so that re-enabled
// it hears everything that happened meanwhile. Each queue is bounded
// (Config.MaxPending, 10,000): a status change that finds it full is not
// dropped; the subscription records, per log, the seq it stopped at
// (replay_from) and the outbox queues that log from there, in order and
// with the same ids, as the queue drains. A recognition change or an
// expiry warning that finds it full is not recorded as told, so a later
// check tells the answer then. Every attempt goes to the subscription's
// delivery log. A message's webhook-id is derived from the
// subscription and the event (the log, the entry's seq, the type), so a
// retry, a replay or a redelivery after a crash carries the same id and
// receivers de-duplicate by it. Deliveries go only where Config.Egress
// allows: public addresses by default, checked when a subscription is
// created and again at every dial (see Egress).
//
// # Signatures
//
// webhook-signature is "v1a," and the standard base64 Ed25519 signature
// of "{webhook-id}.{webhook-timestamp}.{body}". The keys are the node's
// webhook keys, DATA/webhook-key.json, made on first start and never used
// for entries; their public halves are in /.well-known/jwks.json with
// "use": "corfed-webhook" and a "status" (and at GET /v1/webhooks/key,
// also as "whpk_…"), which registry/jose refuses to load as entry keys: a
// peer can never pin one. `corfed webhook-key rotate` (RotateKeys) makes a
// new key active at once; the key it replaces is "retiring": for the
// overlap (default 7 days, until its "retire_at") it signs too, after the
// active key ("v1a,<new> v1a,<old>", Standard Webhooks' several
// signatures), so a receiver pinned to either verifies; then it neither
// signs nor is published. The file is replaced atomically, and a running
// node rereads it (SetKeys).
package webhook
