package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.etcd.io/bbolt"

	"github.com/corfed/corfed/registry"
)

// deliver makes one attempt at the head message m of sub and records it.
func (s *Service) deliver(ctx context.Context, sub Subscription, key []byte, m message) {
	start := s.cfg.Now()
	ts := start.Unix()
	d := Delivery{MessageID: m.ID, Type: m.Type, Attempt: m.Attempts + 1, At: start.UTC()}
	code, err := s.post(ctx, sub.URL, m, ts)
	if ctx.Err() != nil {
		return // shutting down: the message stays at the head
	}
	d.DurationMS = s.cfg.Now().Sub(start).Milliseconds()
	d.StatusCode = code
	d.Delivered = err == nil && code >= 200 && code < 300
	if err != nil {
		d.Error = err.Error()
	} else if !d.Delivered {
		d.Error = fmt.Sprintf("HTTP %d", code)
	}
	err = s.ob.db.Update(func(tx *bbolt.Tx) error {
		cur, err := getSub(tx, sub.ID)
		if err != nil {
			return err
		}
		q := tx.Bucket(bucketQueues).Bucket([]byte(sub.ID))
		if q == nil || q.Get(key) == nil {
			return nil // replaced meanwhile
		}
		if d.Delivered {
			if err := q.Delete(key); err != nil {
				return err
			}
			cur.FailingSince = nil
		} else {
			m.Attempts++
			m.NextAt = start.Add(s.cfg.Backoff(m.Attempts))
			d.NextAt = m.NextAt.UTC()
			b, _ := json.Marshal(m)
			if err := q.Put(key, b); err != nil {
				return err
			}
			if cur.FailingSince == nil {
				t := start.UTC()
				cur.FailingSince = &t
			}
			switch {
			case code == http.StatusGone:
				cur.Status, cur.DisabledReason = SubDisabled, "the endpoint answered 410 Gone"
			case start.Sub(*cur.FailingSince) >= s.cfg.DisableAfter:
				cur.Status, cur.DisabledReason = SubDisabled, fmt.Sprintf("failing since %s (more than %s)", cur.FailingSince.Format(time.RFC3339), s.cfg.DisableAfter)
			}
		}
		if err := logDelivery(tx, sub.ID, d); err != nil {
			return err
		}
		if err := putSub(tx, cur); err != nil {
			return err
		}
		s.mu.Lock()
		s.subs[cur.ID] = cur
		s.mu.Unlock()
		return nil
	})
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		s.reload(sub.ID) // the map may hold what did not commit
	}
}

// post sends m to u, signed at ts.
func (s *Service) post(ctx context.Context, u string, m message, ts int64) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(m.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "corfed-webhook/1")
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", s.Keys().Sign(time.Unix(ts, 0), m.ID, ts, m.Body))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
