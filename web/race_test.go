//go:build race

package web_test

// raceEnabled skips the browser tests under the race detector: Chromium is
// another process, and the pages' Go code runs under -race in the other
// tests of this package.
const raceEnabled = true
