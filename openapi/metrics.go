package openapi

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/corfed/corfed/registry/node"
)

// Metrics are the node's Prometheus metrics, served at GET /metrics.
// Create them before the node (NewMetrics), give ObserveCommit to
// node.Config.OnCommit, and the Metrics to Config.Metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	batch    prometheus.Histogram
	commit   prometheus.Histogram
	// observers caches each (operation, method, status)'s counter and
	// histogram: looking them up by label values hashes and checks every
	// value on every request.
	observers sync.Map // observerKey -> observers
	// commits and committed count group-commit transactions and their
	// entries (CommitStats).
	commits, committed atomic.Uint64
}

// NewMetrics returns a fresh set of metrics with the Go runtime's and the
// process's collectors.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "corfed_http_requests_total", Help: "HTTP requests answered, by operation (the OpenAPI operationId, or the route) and status code.",
	}, []string{"operation", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "corfed_http_request_duration_seconds", Help: "Time to answer an HTTP request, by operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"operation", "method"})
	m.batch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "corfed_commit_batch_entries", Help: "Entries appended per group-commit transaction.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 11),
	})
	m.commit = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "corfed_commit_seconds", Help: "Duration of a group-commit transaction: appends, commit and fsync.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	})
	m.reg.MustRegister(m.requests, m.latency, m.batch, m.commit,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveCommit records one group-commit transaction (node.Config.OnCommit).
func (m *Metrics) ObserveCommit(entries int, took time.Duration) {
	m.batch.Observe(float64(entries))
	m.commit.Observe(took.Seconds())
	m.commits.Add(1)
	m.committed.Add(uint64(entries))
}

// CommitStats returns the group-commit transactions observed so far and
// the entries they appended (corfed bench reports entries per fsync).
func (m *Metrics) CommitStats() (transactions, entries uint64) {
	return m.commits.Load(), m.committed.Load()
}

// Registerer is where operation sets (Config.Extra) add their collectors.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

type observerKey struct {
	operation, method string
	status            int
}

type observers struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// metricMethod is the method's label: one of the standard methods the
// node serves, else "OTHER". A request's method is any token its client
// makes up; labelled as sent, each new one would add series for the life
// of the process (and to every scrape of the public /metrics).
func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "OTHER"
}

// observe records one answered request. Every label is bounded: the
// operation is an operationId or a route pattern the node registered (or
// "unmatched"), the method one of metricMethod's, and the status a code
// the node wrote (100-599; anything else counts as 0).
func (m *Metrics) observe(operation, method string, status int, took time.Duration) {
	method = metricMethod(method)
	if status < 100 || status > 599 {
		status = 0
	}
	k := observerKey{operation, method, status}
	o, ok := m.observers.Load(k)
	if !ok {
		o, _ = m.observers.LoadOrStore(k, observers{m.requests.WithLabelValues(operation, method, strconv.Itoa(status)),
			m.latency.WithLabelValues(operation, method)})
	}
	obs := o.(observers)
	obs.requests.Inc()
	obs.latency.Observe(took.Seconds())
}

func (m *Metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// feedSize reads the size of n's feed in O(1): a page after the end.
func feedSize(ctx context.Context, n *node.Node) (uint64, error) {
	_, size, err := n.Feed(ctx, math.MaxUint64, 1)
	return size, err
}

// registerNodeMetrics adds the node's own gauges.
func (m *Metrics) registerNodeMetrics(n *node.Node) {
	_ = m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "corfed_feed_entries", Help: "Entries in the node's own feed.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		size, err := feedSize(ctx, n)
		if err != nil {
			return math.NaN()
		}
		return float64(size)
	}))
}
