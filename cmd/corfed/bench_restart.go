package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// serveStartReads are the reads a restart is timed to: a lookup (the
// runs' filters), and the two lists a node keeps from its whole registry
// (built again, or restored from their saved state).
var serveStartReads = []struct{ name, path string }{
	{"lookup employer", ""}, // the path is a grown row's
	{"maintenance list", "/v1/maintenance?limit=10&due_before=2099-12-31"},
	{"status list", "/v1/status-list"},
}

// serveStart starts `corfed serve` (this binary) on the node's data
// directory, its files closed here, and asks it each of serveStartReads in
// turn, every 5 ms, until each has answered (a 503 while the node
// starts, or builds a list, is asked again): how long after the process
// started each first did. The process is then stopped as an operator
// stops it (SIGINT).
func (b *bench) serveStart(ctx context.Context) (map[string]time.Duration, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.Command(exe, "serve", "--jurisdiction", string(b.opts.Jurisdiction), "--data", b.opts.Data, "--addr", addr,
		"--testdata", b.opts.TestData, "--lifecycle-interval", "0", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "CORFED_BENCH_CLIENT=1") // under go test, the test binary runs Main
	var errb bytes.Buffer
	cmd.Stderr = &errb
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	client := &http.Client{Timeout: 10 * time.Second}
	took := map[string]time.Duration{}
	for len(took) < len(serveStartReads) {
		for _, r := range serveStartReads {
			if _, ok := took[r.name]; ok {
				continue
			}
			path, want := r.path, http.StatusOK
			if path == "" {
				path = "/v1/employers/" + b.growRow(0).EmployerBN
				if b.grown == 0 { // nothing grown (--only disk): its answer is a 404
					want = http.StatusNotFound
				}
			}
			resp, err := client.Get("http://" + addr + path)
			if err != nil {
				continue // not listening yet
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case want:
				took[r.name] = time.Since(t0)
			case http.StatusServiceUnavailable:
			default:
				return nil, fmt.Errorf("restart: GET %s: %s", path, resp.Status)
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("restart: within a minute only %v answered (serve: %s)", took, strings.TrimSpace(errb.String()))
		case <-time.After(5 * time.Millisecond):
		}
	}
	return took, nil
}
