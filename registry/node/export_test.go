package node

// SetImportWindow sets how many rows Import queues at a time until the
// returned function restores it.
func SetImportWindow(rows int) (restore func()) {
	old := importWindowRows
	importWindowRows = rows
	return func() { importWindowRows = old }
}

// SetImportCheckParts has Import check a file in up to parts goroutines of
// at least rows rows each until the returned function restores it.
func SetImportCheckParts(rows, parts int) (restore func()) {
	oldRows, oldParts := checkPartRows, checkMaxParts
	checkPartRows, checkMaxParts = rows, parts
	return func() { checkPartRows, checkMaxParts = oldRows, oldParts }
}
