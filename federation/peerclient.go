package federation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/strictjson"
	"github.com/corfed/corfed/registry/tiles"
)

// peerClient is the one way this node fetches from another: sync (feed
// pages, checkpoints, consistency proofs), the witness check, and live
// search all call get. It owns the limits (a timeout per request, body
// included; a bound on every body), the redirect policy (defaultClient's
// tiles.SameHostRedirect: a peer cannot send the node elsewhere) and the
// mapping of a peer's HTTP status to an error kind, so that no other code
// of this package reads a status:
//
//	200               the answer
//	404, 410          errPeerNotFound, wrapping registry.ErrUnavailable
//	403               errPeerForbidden, wrapping registry.ErrUnavailable
//	anything else     registry.ErrUnavailable
//
// A network error or timeout wraps registry.ErrUnavailable; a body over
// the limit wraps errOversized and registry.ErrUnavailable; a bad URL
// wraps registry.ErrInvalid. Callers decode the body with strictjson.
type peerClient struct {
	http    *http.Client
	timeout time.Duration
}

// errPeerNotFound is a peer's 404 or 410: it has no such resource (for
// example, it witnesses nothing, or a tile was pruned).
var errPeerNotFound = errors.New("the peer has no such resource")

// errPeerForbidden is a peer's 403. A bucket opened by a GetObject-only
// policy answers it for a key it does not hold (see peerSource).
var errPeerForbidden = errors.New("the peer refused access (HTTP 403)")

var errOversized = errors.New("oversized response")

// get fetches base/path?query from a peer into buf (reset first), reading
// at most max bytes of body; the request, body included, must end within
// the client's timeout and before ctx is done. It returns the URL fetched,
// for messages.
func (c *peerClient) get(ctx context.Context, base, path string, query url.Values, max int64, buf *bytes.Buffer) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u, err := url.JoinPath(base, path)
	if err != nil {
		return base, fmt.Errorf("peer url %q: %v: %w", strictjson.Clip(base), err, registry.ErrInvalid)
	}
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return u, fmt.Errorf("GET %s: %v: %w", u, err, registry.ErrInvalid)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return u, fmt.Errorf("GET %s: %w: %w", u, registry.ErrUnavailable, timeoutErr(ctx, err, c.timeout))
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return u, fmt.Errorf("GET %s: %w (HTTP %d): %w", u, errPeerNotFound, resp.StatusCode, registry.ErrUnavailable)
	case http.StatusForbidden:
		return u, fmt.Errorf("GET %s: %w: %w", u, errPeerForbidden, registry.ErrUnavailable)
	default:
		return u, fmt.Errorf("GET %s: the peer answered HTTP %d: %w", u, resp.StatusCode, registry.ErrUnavailable)
	}
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n <= max {
		buf.Grow(int(n) + 1) // +1: ReadFrom wants room to see the end
	}
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return u, fmt.Errorf("GET %s: reading the answer: %w: %w", u, registry.ErrUnavailable, timeoutErr(ctx, err, c.timeout))
	}
	if int64(buf.Len()) > max {
		return u, fmt.Errorf("GET %s: %w: more than %d bytes: %w", u, errOversized, max, registry.ErrUnavailable)
	}
	return u, nil
}

// getJSON fetches as get does and decodes the answer into v with
// strictjson.DecodeOpen (members v does not declare are ignored: answers
// may gain members).
func (c *peerClient) getJSON(ctx context.Context, base, path string, query url.Values, max int64, v any) error {
	var buf bytes.Buffer
	u, err := c.get(ctx, base, path, query, max, &buf)
	if err != nil {
		return err
	}
	if err := strictjson.DecodeOpen(buf.Bytes(), v); err != nil {
		return fmt.Errorf("GET %s: malformed answer: %v: %w", u, err, registry.ErrInvalid)
	}
	return nil
}

// defaultClient is Config.HTTPClient's default.
func defaultClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = timeout
	tr.ResponseHeaderTimeout = timeout
	tr.MaxIdleConnsPerHost = 4
	return &http.Client{Transport: tr, CheckRedirect: tiles.SameHostRedirect}
}

// timeoutErr names a request timeout plainly.
func timeoutErr(ctx context.Context, err error, d time.Duration) error {
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("no answer within %s: %w", d, err)
	}
	return err
}
