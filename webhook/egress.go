package webhook

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/corfed/corfed/registry"
)

// Egress says where webhooks may go. A subscription's URL is chosen by an
// administrator, but the node dials it from inside its own network, so by
// default it refuses every address that is not public (server-side
// request forgery): loopback, private (RFC 1918, IPv6 ULA), link-local
// (169.254.0.0/16 with the cloud metadata address, fe80::/10),
// unspecified and "this network" (0.0.0.0/8), multicast, carrier-grade NAT
// (100.64.0.0/10), the IETF, documentation and benchmarking ranges, the
// reserved 240.0.0.0/4 (and broadcast), the deprecated IPv6 site-local
// and IPv4-compatible ranges, Teredo, and IPv6 prefixes that embed an
// IPv4 address (IPv4-mapped, NAT64, 6to4), which are checked as that
// address.
//
// The check runs twice: when a subscription is created (a literal address,
// "localhost", or a name resolving to a refused address is a 422 naming
// body.url), and at every dial, on the address actually connected to
// (net.Dialer.Control), so a name that resolves differently later (DNS
// rebinding) cannot get through. Deliveries follow no redirect and use no
// proxy from the environment.
//
// Ports are not restricted: Standard Webhooks and the large senders
// (GitHub, Stripe, Svix) accept any port an endpoint listens on, and the
// address check is what keeps deliveries off the node's own network.
type Egress struct {
	// AllowPrivate lets webhooks go to any address (tests, the demo, a
	// node whose receivers are on its private network).
	AllowPrivate bool
	// Allow are ranges allowed although they are not public (e.g. one
	// receiver's subnet), checked before the refused ranges.
	Allow []netip.Prefix
}

// refused are the ranges that are not public, with why (see Egress).
// Each why keeps its English format (registry.Textf), so that a problem
// can say it in French.
var refused = []struct {
	p   netip.Prefix
	why error
}{
	{netip.MustParsePrefix("0.0.0.0/8"), registry.Textf("an unspecified (this-network) address")},
	{netip.MustParsePrefix("10.0.0.0/8"), registry.Textf("a private address (RFC 1918)")},
	{netip.MustParsePrefix("100.64.0.0/10"), registry.Textf("a carrier-grade NAT address (RFC 6598)")},
	{netip.MustParsePrefix("127.0.0.0/8"), registry.Textf("a loopback address")},
	{netip.MustParsePrefix("169.254.0.0/16"), registry.Textf("a link-local address (cloud metadata among them)")},
	{netip.MustParsePrefix("172.16.0.0/12"), registry.Textf("a private address (RFC 1918)")},
	{netip.MustParsePrefix("192.0.0.0/24"), registry.Textf("an IETF protocol address (RFC 6890)")},
	{netip.MustParsePrefix("192.0.2.0/24"), registry.Textf("a documentation address (RFC 5737)")},
	{netip.MustParsePrefix("198.51.100.0/24"), registry.Textf("a documentation address (RFC 5737)")},
	{netip.MustParsePrefix("203.0.113.0/24"), registry.Textf("a documentation address (RFC 5737)")},
	{netip.MustParsePrefix("192.168.0.0/16"), registry.Textf("a private address (RFC 1918)")},
	{netip.MustParsePrefix("198.18.0.0/15"), registry.Textf("a benchmarking address (RFC 2544)")},
	{netip.MustParsePrefix("224.0.0.0/4"), registry.Textf("a multicast address")},
	{netip.MustParsePrefix("240.0.0.0/4"), registry.Textf("a reserved or broadcast address")},
	{netip.MustParsePrefix("::/128"), registry.Textf("an unspecified address")},
	{netip.MustParsePrefix("::1/128"), registry.Textf("a loopback address")},
	{netip.MustParsePrefix("fc00::/7"), registry.Textf("a private address (IPv6 unique local)")},
	{netip.MustParsePrefix("::/96"), registry.Textf("an IPv4-compatible address (deprecated, RFC 4291)")},
	{netip.MustParsePrefix("100::/64"), registry.Textf("a discard-only address (RFC 6666)")},
	{netip.MustParsePrefix("fe80::/10"), registry.Textf("a link-local address")},
	{netip.MustParsePrefix("fec0::/10"), registry.Textf("a site-local address (deprecated, RFC 3879)")},
	// Teredo (RFC 4380) tunnels to an IPv4 server and client it embeds
	// obfuscated; nothing public needs it: refused whole.
	{netip.MustParsePrefix("2001::/32"), registry.Textf("a Teredo tunnel address (RFC 4380)")},
	{netip.MustParsePrefix("2001:db8::/32"), registry.Textf("a documentation address (RFC 3849)")},
	{netip.MustParsePrefix("ff00::/8"), registry.Textf("a multicast address")},
	// A local NAT64 prefix (RFC 8215) may be /48 to /96, and the IPv4
	// address it embeds sits at a place that depends on its length (RFC
	// 6052), which the node cannot know: refused whole.
	{netip.MustParsePrefix("64:ff9b:1::/48"), registry.Textf("a local NAT64 address (RFC 8215)")},
}

// embedded are IPv6 prefixes whose last 32 bits (or, for 6to4, bits 16 to
// 48) are an IPv4 address a gateway forwards to.
var (
	nat64 = []netip.Prefix{netip.MustParsePrefix("64:ff9b::/96")}
	sixTo = netip.MustParsePrefix("2002::/16")
)

// Check returns nil if ip may receive webhooks, else an error saying why.
func (e Egress) Check(ip netip.Addr) error {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return registry.Textf("not an IP address")
	}
	if e.AllowPrivate {
		return nil
	}
	for _, p := range e.Allow {
		if p.Contains(ip) {
			return nil
		}
	}
	if ip.Is6() {
		b := ip.As16()
		for _, p := range nat64 {
			if p.Contains(ip) {
				if err := e.Check(netip.AddrFrom4([4]byte(b[12:16]))); err != nil {
					return registry.Textf("%s embeds %s: %v", ip, netip.AddrFrom4([4]byte(b[12:16])), err)
				}
			}
		}
		if sixTo.Contains(ip) {
			if err := e.Check(netip.AddrFrom4([4]byte(b[2:6]))); err != nil {
				return registry.Textf("%s embeds %s: %v", ip, netip.AddrFrom4([4]byte(b[2:6])), err)
			}
		}
	}
	for _, r := range refused {
		if r.p.Contains(ip) {
			return registry.Textf("%s is %v; webhooks go to public addresses unless the operator allows it (--webhook-allow-private, --webhook-allow CIDR)", ip, r.why)
		}
	}
	return nil
}

// CheckURL checks a subscription's URL: an absolute http or https URL
// without credentials whose host is not a refused address, "localhost",
// nor a name that resolves (within a few seconds) to a refused address. A
// name that does not resolve yet is accepted: the dial checks it again.
func (e Egress) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil {
		return registry.Invalid("body.url", "an absolute http or https URL without credentials")
	}
	if p := u.Port(); p != "" {
		if k, err := strconv.Atoi(p); err != nil || k < 1 || k > 65535 {
			return registry.Invalid("body.url", "port %q: a port is 1 to 65535", p)
		}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := e.Check(ip); err != nil {
			return registry.Invalid("body.url", "%v", err)
		}
		return nil
	}
	if last := host[strings.LastIndexByte(host, '.')+1:]; numeric(last) {
		// Not a name (no top-level domain is numeric) and not a dotted
		// quad: a legacy form such as 2130706433 or 0x7f.1, which some
		// resolvers read as an address.
		return registry.Invalid("body.url", "host %q: a DNS name or a standard IP address", host)
	}
	if e.AllowPrivate {
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return registry.Invalid("body.url", "%s is a loopback name; webhooks go to public addresses unless the operator allows it (--webhook-allow-private)", host)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, ip := range ips {
		if err := e.Check(ip); err != nil {
			return registry.Invalid("body.url", "%s resolves to %v", host, err)
		}
	}
	return nil
}

// numeric reports whether a DNS label is a number (decimal, or hex with 0x).
func numeric(label string) bool {
	hex := strings.HasPrefix(label, "0x")
	if hex {
		label = label[2:]
	}
	if label == "" {
		return hex
	}
	for _, c := range label {
		if !('0' <= c && c <= '9' || hex && 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Client is the delivery client: timeout, no redirects, no proxy, and a
// dialer that checks every address it connects to.
func (e Egress) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: e.control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would be dialed instead of the endpoint
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// control runs before each connection, with the address resolved.
func (e Egress) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial %s: %w", address, err)
	}
	if err := e.Check(ap.Addr()); err != nil {
		return fmt.Errorf("webhook: refused to dial %w", err)
	}
	return nil
}
