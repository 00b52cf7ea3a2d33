package web

// JurIn is jurIn, for the external tests.
var JurIn = jurIn

// LongDate is longDate, for the external tests.
var LongDate = longDate

// ReasonHTML is reasonHTML, for the external tests.
var ReasonHTML = reasonHTML
