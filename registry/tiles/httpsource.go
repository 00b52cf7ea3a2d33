package tiles

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
)

// HTTPSource reads a log's tiles from a URL prefix over HTTP(S).
type HTTPSource struct {
	Base   string       // the prefix, e.g. https://tiles.example.ca/ab (no trailing slash needed)
	Client *http.Client // nil: defaultClient (a 30 s timeout, redirects within the host)
}

// defaultClient is HTTPSource's client when it has none: each request
// ends within 30 s, and a redirect may only stay on the same scheme and
// host (SameHostRedirect), so a hostile source cannot make a mirror
// request addresses of its choosing.
var defaultClient = &http.Client{Timeout: 30 * time.Second, CheckRedirect: SameHostRedirect}

// SameHostRedirect is an http.Client's CheckRedirect that follows at most
// 3 redirects, each to the scheme and host of the first request.
func SameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("more than 3 redirects")
	}
	if first := via[0].URL; req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("redirect to another host (%s://%s) refused", req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// NewHTTPSource returns the source at base, which must be an absolute http
// or https URL.
func NewHTTPSource(base string) (*HTTPSource, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tiles: source %q: want an http or https URL: %w", clip(base), registry.ErrInvalid)
	}
	return &HTTPSource{Base: strings.TrimSuffix(base, "/"), Client: defaultClient}, nil
}

// Get fetches Base/path; see Source. Any status but 200 is an error; 404
// and 410, and 403 for a partial tile (see Partial), wrap
// registry.ErrNotFound.
func (s *HTTPSource) Get(ctx context.Context, path string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.Base+"/"+path, nil)
	if err != nil {
		return nil, err
	}
	c := s.Client
	if c == nil {
		c = defaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return nil, fmt.Errorf("%s/%s: %s: %w", s.Base, path, resp.Status, registry.ErrNotFound)
	case http.StatusForbidden:
		if Partial(path) {
			return nil, fmt.Errorf("%s/%s: %s: %w", s.Base, path, resp.Status, registry.ErrNotFound)
		}
		return nil, fmt.Errorf("%s/%s: %s", s.Base, path, resp.Status)
	default:
		return nil, fmt.Errorf("%s/%s: %s", s.Base, path, resp.Status)
	}
	return readMax(resp.Body, max, path)
}
