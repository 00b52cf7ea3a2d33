package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/corfed/corfed/webhook"
)

func init() { extraCommands["webhook-key"] = runWebhookKey }

// runWebhookKey rotates the node's webhook signing key (webhook-key.json),
// as `corfed keygen --rotate` does its entry key: the new key is active at
// once and the one it replaces keeps signing beside it for the overlap, so
// that receivers pinned to it keep verifying while they re-pin (Standard
// Webhooks: several signatures, space-separated). A running node rereads
// the file (--key-watch, or SIGHUP).
func runWebhookKey(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(stdout, "usage: "+synopses["webhook-key"])
		return nil
	}
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "usage: "+synopses["webhook-key"])
		return errUsage
	}
	fl := newFlags("webhook-key rotate", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory")
	overlap := fl.Duration("overlap", webhook.DefaultOverlap, "how long the replaced key keeps signing beside the new one, while receivers re-pin; 0: it stops at once")
	force := fl.Bool("force", false, "rotate although the key replaced by the last rotation still signs (it stops at once)")
	if err := parse(fl, args[1:]); err != nil {
		return err
	}
	if *overlap < 0 {
		return usagef("--overlap %s: must not be negative", *overlap)
	}
	ks, err := webhook.RotateKeys(*dir, *overlap, *force, time.Now())
	if err != nil {
		return err
	}
	path := filepath.Join(*dir, webhook.KeyFile)
	fmt.Fprintf(stdout, "wrote %s: active webhook key %s\n", path, ks.Active().KID)
	for _, k := range ks.All()[1:] {
		fmt.Fprintf(stdout, "  %s (replaced) signs too until %s, then stops: receivers pinned to it re-pin to %s before then\n",
			k.KID, k.RetireAt.UTC().Format(time.RFC3339), ks.Active().KID)
	}
	return nil
}
