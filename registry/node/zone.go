package node

import (
	"time"

	"github.com/corfed/corfed/registry"
)

// Zone returns jurisdiction j's time zone, loaded once and cached (the
// zone database is read from disk on every time.LoadLocation); UTC when j
// has no known zone.
func Zone(j registry.Jurisdiction) *time.Location {
	if loc := zone(j); loc != nil {
		return loc
	}
	return time.UTC
}
