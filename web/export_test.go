package web

// JurIn is jurIn, for the external tests.
var JurIn = jurIn
