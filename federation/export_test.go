package federation

import "time"

// SetCatchUpEvery sets how often l may sync on demand (tests).
func SetCatchUpEvery(l *Lookups, d time.Duration) { l.catchUpEvery = d }
