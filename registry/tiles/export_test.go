package tiles

// PendingPrunes returns how many ranges of superseded partials p holds
// waiting for PartialGrace.
func PendingPrunes(p *Publisher) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending)
}
