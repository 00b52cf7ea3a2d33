//go:build race

package measure

// raceEnabled makes the random-table disclosure tests try fewer tables
// under the race detector, which slows their arithmetic tenfold: the
// tables' code still runs under -race, and the full count runs without.
const raceEnabled = true
