package node

// SetImportWindow sets how many rows Import queues at a time until the
// returned function restores it.
func SetImportWindow(rows int) (restore func()) {
	old := importWindowRows
	importWindowRows = rows
	return func() { importWindowRows = old }
}
