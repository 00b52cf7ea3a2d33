package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/corfed/corfed/registry/node"
)

// seedProgram loads testdata/program/<jurisdiction>.json, the node's
// program definitions and example program cycle, if there is one.
func seedProgram(ctx context.Context, n *node.Node, o nodeOptions) (int, error) {
	path := filepath.Join(o.TestData, "program", string(o.Jurisdiction)+".json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("--seed: %w", err)
	}
	f, err := node.ParseProgramSeed(b)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	c, err := n.SeedProgram(ctx, f)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// lifecyclePrincipal is the node's own daily job, acting for the program
// administrator.
var lifecyclePrincipal = node.Principal{Subject: "lifecycle-job", Role: node.RoleAdmin, Scopes: []string{node.ScopeCertificates}}

// runLifecycleEvery runs the lifecycle job every interval from the start
// until ctx is done (interval <= 0: never); the administrator runs it at
// any time with POST /v1/lifecycle/run. The first run waits one interval,
// so that starting a node never changes what it serves behind the
// operator's back. The job is idempotent: a restart, or a run by the
// administrator in between, writes nothing twice.
func runLifecycleEvery(ctx context.Context, n *node.Node, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		return
	}
	every(ctx, interval, func() {
		rep, err := n.RunLifecycle(ctx, lifecyclePrincipal, false)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("lifecycle run", "err", err)
		case err == nil:
			log.Info("lifecycle run", "on", rep.RunOn, "checked", rep.Checked, "changes", rep.ChangesTotal)
		}
	})
}

// every calls fn each interval, the first time one interval from now,
// until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
