// Package web is corfed's people-facing edge: the public verification
// site every node serves, in English and French. It is a top-level package
// of its own because it is a clearly separate part, with its own users
// (employers, project owners, clerks, not API clients) and its own rules
// (accessible HTML, both official languages, usable with JavaScript off),
// and because, like openapi, it knows HTTP: it renders pages and maps
// errors to status codes for people. It holds no business rules: it calls
// federation (search, certificates with their verification, recognition,
// passes and status lists) and equivalence for the words around decisions.
//
// # Pages
//
//	GET /                        search by BN, employer name, certificate number or WCB account
//	GET /certificates/{id}       a certificate: status today and history, issuer, signature and log inclusion checked now,
//	                             the audit it rests on and its maintenance years (done, due, overdue, with dates)
//	GET /auditors/{id}           an auditor of the national registry: status today with why, credentials, discipline
//	GET /employers/{bn}          an employer, its certificates across the federation
//	GET /check?bn=&host=&use=&on=[&sector=]   may this employer bid / work there on that date?
//	GET /letters/{certificate-id}  a printable verification letter with the pass as a QR code
//	GET /verify, POST /verify    check a pass: pasted, uploaded (text or a QR image) or scanned
//	GET /assets/...              the stylesheet and the scanning script (embedded)
//
// Everything else goes to the API handler the site wraps.
//
// # Languages
//
// ?lang=en or ?lang=fr chooses (and sets a cookie "lang" for a year), else
// the cookie, else Accept-Language (equivalence.MatchLang). Every page has
// a visible switch to the other language and <html lang>. Words come from
// the catalog in i18n.go (each key in both languages; a test checks it);
// decision reasons and conditions come from equivalence in the language
// asked.
//
// # Accessibility and security
//
// Server-rendered html/template; landmarks (header, nav, main, footer), a
// skip link, labelled fields with described errors, a visible focus,
// statuses in words as well as colours, contrast of at least 4.5:1, a
// layout that reflows on a phone, and a print stylesheet for letters.
// Pages need no JavaScript; scan.js only adds camera scanning where the
// browser has BarcodeDetector. Every asset is embedded and served by the
// node (no CDN); the Content-Security-Policy allows only the node's own
// scripts and styles, no inline ones.
package web
