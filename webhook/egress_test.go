package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/webhook"
)

func TestEgressRefusesWhatIsNotPublic(t *testing.T) {
	refused := []string{"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250",
		"255.255.255.255", "240.0.0.1", "198.18.0.1", "192.0.0.8", "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1",
		"fe80::1%eth0", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:7f00:1::1",
		"64:ff9b:1:a9fe:a9:fe00:808:808", "64:ff9b:1::808:808", // a local NAT64 prefix: where its IPv4 address sits depends on its length
		"fec0::1", "::7f00:1", "::a9fe:a9fe", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1", "100::1",
		"192.0.2.1", "198.51.100.7", "203.0.113.9"}
	allowed := []string{"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1"}
	var e webhook.Egress
	for _, s := range refused {
		if err := e.Check(netip.MustParseAddr(s)); err == nil {
			t.Errorf("%s: allowed, want refused", s)
		}
		if err := (webhook.Egress{AllowPrivate: true}).Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s with AllowPrivate: %v", s, err)
		}
	}
	for _, s := range allowed {
		if err := e.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s: %v, want allowed", s, err)
		}
	}
	some := webhook.Egress{Allow: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}
	if err := some.Check(netip.MustParseAddr("10.20.3.4")); err != nil {
		t.Errorf("allow-listed 10.20.3.4: %v", err)
	}
	if err := some.Check(netip.MustParseAddr("10.21.3.4")); err == nil {
		t.Error("10.21.3.4 outside the allow-list: allowed")
	}
}

// TestSubscriptionURLsArePublic: the default egress refuses, as the
// creation of a subscription does, a URL naming a refused address, a
// loopback name, a numeric legacy host, credentials or another scheme (a
// problem naming body.url); and its delivery client refuses at dial time
// the address a name resolves to, so a name that passes creation and
// later resolves to loopback still goes nowhere.
func TestSubscriptionURLsArePublic(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"http://127.0.0.1:8080/hook", "http://localhost/hook", "https://api.localhost/hook", "http://[::1]/",
		"http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://[::ffff:192.168.0.1]/", "http://0/", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://100.64.1.1/",
		"https://user:pw@hooks.example.com/", "ftp://hooks.example.com/", "http://hooks.example.com:0/", "/relative"} {
		err := webhook.Egress{}.CheckURL(ctx, u)
		var ve *registry.ValidationError
		if !errors.As(err, &ve) || ve.Field != "body.url" {
			t.Errorf("%s: got %v, want a problem naming body.url", u, err)
		}
	}
	for _, u := range []string{"https://8.8.4.4:8443/hook", "https://cafe.example.com/hook", "http://hooks.example.invalid/"} {
		if err := (webhook.Egress{}).CheckURL(ctx, u); err != nil {
			t.Errorf("%s: %v, want accepted", u, err)
		}
	}
	if err := (webhook.Egress{AllowPrivate: true}).CheckURL(ctx, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("AllowPrivate, loopback: %v", err)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		resp, err := webhook.Egress{}.Client(5*time.Second).Post(u, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: delivered (%d), want refused at dial", u, resp.StatusCode)
		} else if !strings.Contains(err.Error(), "refused to dial") {
			t.Errorf("%s: %v, want refused to dial", u, err)
		}
	}
	resp, err := webhook.Egress{AllowPrivate: true}.Client(5*time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("AllowPrivate: %v", err)
	}
	resp.Body.Close()
}
