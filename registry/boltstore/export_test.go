package boltstore

// SetCommitFault sets commitFault (see db.go) for the conformance suite.
func SetCommitFault(f func() error) { commitFault = f }
