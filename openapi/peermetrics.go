package openapi

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/corfed/corfed/federation"
)

// peerCollector exports what /v1/peers tells, per peer: how far the
// replica lags the peer's reported feed (entries and seconds since the
// last successful sync), the entries refused (verification failures) and
// whether the peer is marked misbehaving.
type peerCollector struct {
	f                                          *federation.Federation
	lagEntries, lagSeconds, refused, misbehave *prometheus.Desc
}

func newPeerCollector(f *federation.Federation) *peerCollector {
	l := []string{"peer"}
	return &peerCollector{f: f,
		lagEntries: prometheus.NewDesc("corfed_peer_lag_entries", "Entries the peer reported that this node has not verified and stored yet.", l, nil),
		lagSeconds: prometheus.NewDesc("corfed_peer_lag_seconds", "Seconds since the last successful sync with the peer (+Inf if never).", l, nil),
		refused:    prometheus.NewDesc("corfed_peer_verification_failures_total", "Entries of the peer refused by verification.", l, nil),
		misbehave:  prometheus.NewDesc("corfed_peer_misbehaving", "1 if the peer signed two incompatible histories.", l, nil),
	}
}

func (c *peerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lagEntries
	ch <- c.lagSeconds
	ch <- c.refused
	ch <- c.misbehave
}

func (c *peerCollector) Collect(ch chan<- prometheus.Metric) {
	ps, err := c.f.Peers(context.Background())
	if err != nil {
		return
	}
	now := c.f.Node().Now()
	for _, p := range ps {
		j := string(p.Jurisdiction)
		lag := 0.0
		if p.PeerSize > p.Seq {
			lag = float64(p.PeerSize - p.Seq)
		}
		ch <- prometheus.MustNewConstMetric(c.lagEntries, prometheus.GaugeValue, lag, j)
		secs := float64(now.Sub(p.LastSuccess)) / float64(time.Second)
		if p.LastSuccess.IsZero() {
			secs = posInf
		}
		ch <- prometheus.MustNewConstMetric(c.lagSeconds, prometheus.GaugeValue, secs, j)
		ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(p.Refused), j)
		m := 0.0
		if p.Misbehaving {
			m = 1
		}
		ch <- prometheus.MustNewConstMetric(c.misbehave, prometheus.GaugeValue, m, j)
	}
}

var posInf = math.Inf(1)
