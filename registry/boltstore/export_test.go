package boltstore

// SetCommitFault sets commitFault (see db.go) for the conformance suite.
func SetCommitFault(f func() error) { commitFault = f }

// settleFilters has the filter worker build, now, every filter the
// current runs lack, and returns when it has.
func (db *DB) settleFilters() {
	c := make(chan struct{})
	db.filters.settle <- c
	<-c
}
