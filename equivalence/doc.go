// Package equivalence decides whether an employer's safety certification is
// recognized in a host jurisdiction, for some work, on some date, and why.
//
// It is pure logic over records: it imports only the standard library and
// github.com/corfed/corfed/registry. It does no I/O, reads no clock, speaks
// no HTTP and does no cryptography. The caller gathers the verified records
// (Facts), including which parties' signatures on each agreement it
// verified (AgreementFact.SignedBy), and the rules as data (registry.Agreement,
// registry.HostRules; see testdata/rules/README.md).
//
// # The date rule
//
// Dates are calendar dates (registry.Date), with no time of day and no zone.
// The caller passes the date asked about in Question.On; Decide never reads
// a clock. The API's default for On is today's date in the host
// jurisdiction's zone (registry.Jurisdiction.Zone, e.g. America/Vancouver
// for CA-BC). Every bound is inclusive: a certificate that expires on
// 2027-03-31 is valid through that day and expired on 2027-04-01. A past
// date is judged by the statuses recorded for that date and by the rules in
// force on it (chosen by their effective dates); records about the future
// of that date (a later suspension) shorten the validity.
//
// Status on a date (CertificateStatusOn): before IssuedOn, StatusNotIssued;
// otherwise the status of the last History change on or before the date
// (StatusNotIssued when there is none yet; with an empty History, the
// certificate's Status, active when empty); after ExpiresOn, expired unless
// it had already ended otherwise (cancelled, revoked, superseded).
//
// # Sectors
//
// A question's sector is compared in one form (NormalizeSector), wherever
// Decide compares sectors (certificates, agreements, equivalency rules,
// revisions): a known sector's word in English or French, in any case and
// with or without accents (construction; energy, énergie), and a known
// sector's NAICS 2-digit code (23: construction) name that sector, so
// "construction", "Construction" and "23" get the same answer; a longer
// code (236220) stays a code, under its sector's. Records' sector names
// are folded the same way. A word that names no known sector fails
// Question.Validate on "sector" (invalid_question), not a silent
// sector_mismatch.
//
// # Bases
//
// Decide considers three bases and takes the best: recognized over
// conditional over not recognized; among equals the host's own certificate
// (host_cor), then the later valid_until, then home_cor_agreement before
// iso_equivalency, then the smaller record references, so that the order of
// the facts does not matter.
//
//   - host_cor: a certificate of the employer issued in the host itself
//     (Certificate.Jurisdiction == Host and published by the host's node),
//     active on On, covering the question's sector. Valid until the earlier
//     of its expiry and the day before its next recorded non-active status.
//   - home_cor_agreement: a certificate of another (home) jurisdiction,
//     active on On, under an agreement that is in force on On, lists home
//     and host as parties, was published by a party and is signed by every
//     party (else agreement_unsigned, and it is ignored); the certificate and
//     the question are in the agreement's sector; the agreement lists the
//     program and the host does not exclude it (nor, by its rules in force,
//     refuse foreign SECOR or ISO-based CORs; a SECOR or a COR issued on an
//     ISO/CSA equivalency needs the host's rules in force on On, else
//     host_rules_unknown; a COR issued on an ISO/CSA equivalency gives the
//     host no more than the ISO certificate it rests on would get if
//     presented directly: the equivalency record it names (BasisRef,
//     published by the home node) must be among the facts, else
//     basis_equivalency_unknown, and meet the host's ISO rule for the
//     sector, else that rule's reason, such as iaf_mark_missing or
//     standard_not_accepted; the recognition cites it); the use is one the
//     host allows; and the host's conditions hold. Valid until the earliest of the certificate's expiry,
//     the day before its next recorded non-active status, the agreement's
//     effective_to, On plus the host's cap_months (Date.AddMonths, clamped to
//     the month's end) and On plus the host's cap_days. It is never valid
//     past the home certificate's expiry or the host's cap.
//
// A rule's program list (the agreement's programs, the host's
// excluded_programs) names a certificate's program (COR, SECOR) or the
// program definition it was issued under (Certificate.ProgramDefinition,
// a program id of its jurisdiction such as ECOR, an enhanced COR): an
// agreement listing ECOR recognizes an ECOR holder and not a plain COR
// holder; one listing COR recognizes both. A certificate without a program
// definition is named by its program only.
//
// # Letters, revisions, withdrawals
//
// A host's letter (LetterFact, registry.Letter; it counts only when the
// host's node published it) for the home certificate, issued on or before
// On and covering the use (a bid letter covers bids; temporary and
// equivalency letters the work too) replaces the caps counted from On: the
// recognition runs to the letter's expires_on (the earlier of the home
// certificate's expiry and the cap counted from the letter's issue date),
// and the letter is cited as evidence. The latest such letter decides
// (but where the host's terms say void_once_work_starts, a letter under
// which work started decides over any later one): past
// its expiry the recognition fails (letter_expired); where the host's terms
// say void_once_work_starts, it fails from the letter's work_started_on
// (letter_void_work_started) and runs at most to the day before. With no
// letter, the caps count from On. The letter also stops counting when the
// home certificate stops being active (that is the certificate's status).
//
// When the agreement's end (effective_to, or the day before the home or
// the host withdrew: AgreementFact.Withdrawals) bounds the recognition, a revision
// that names it in supersedes, counts (valid, published by a party, signed
// by every party, not withdrawn), is in force the next day, has both
// parties, lists the program, has the same sector and carries the host's
// terms on unchanged (cap, uses, conditions, exclusions) continues it
// without a break, and is cited too; revisions chain. From the withdrawal
// date the agreement fails (agreement_withdrawn).
//
// WCB accounts count on the days they are open (registry.WCBAccount
// ActiveOn: opened_on and closed_on inclusive). An employer's presence
// (registry.Presence) decides no_permanent_office_in_host. A status history
// may hold corrections (a change recorded late, marked correction, with
// recorded_on and by) and annulled changes, which count for nothing; when
// one bears on the status on On, the decision says so (history_corrected),
// whatever its outcome.
//   - iso_equivalency: an equivalency record of the employer that counts
//     for the host (EquivalencyCounts: published by the host's node, or by
//     the node of a jurisdiction its provinces name, where the certified
//     operations are; its decision accepted attests the external
//     certification), valid and active on On, and the host's rules in force
//     on On (published by the host's node) having an accepting rule for the
//     question's sector whose requirements the record meets (standard,
//     designated/accredited body, IAF mark, scope covering all operations,
//     provinces including the host, industry codes covering the question's
//     code, or the sector it names: a name's codes are those of the host's
//     rule for it, else of a counted agreement for it, and one of the
//     record's codes must be under or above one of them). Valid until the
//     earliest of the record's valid_to, the day before its next recorded
//     non-active status, the rules' end (below) and On plus the rule's
//     term_months. With no sector asked, the record's own industry codes
//     choose the rule: the sector rules one of them is under or above (AB's
//     energy rule for an energy-only certification), and the rule for every
//     sector when one of them is under none; each must accept the record,
//     and the shortest term_months bounds it, so that a certification never
//     gets a longer term than its own sector's rule gives. A record with no
//     industry codes takes the rule for every sector.
//
// The host's rules in force on On are the counted version (published by
// the host's node, valid) with the latest effective_from on or before On;
// of versions with the same effective_from, the newest entry (the larger
// seq in the host's log, then the larger version) decides, whatever their
// ids. A recognition that rests on them (iso_equivalency; and
// home_cor_agreement for a SECOR certificate or an ISO-based COR, whose
// counting the rules decide) cites them as evidence, so that re-deciding
// its evidence alone (a proof's offline check) reaches the same answer and
// a host whose rules refuse the certificate cannot be said to recognize it.
// It ends on their effective_to and the day before the host's next counted
// version takes effect, which is then cited as evidence too.
//
// # Outcomes
//
//   - recognized: a basis holds, and every condition that comes with it is
//     met (Condition.Met) or is a limit the recognition carries.
//   - conditional: a basis holds, but at least one condition cannot be shown
//     from the records (Met false): whoever relies on it must confirm it.
//   - not_recognized: no basis holds. Basis, validity, conditions and
//     evidence are empty; the reasons say why each candidate failed.
//
// A recognized or conditional decision has a Basis, ValidFrom = On <=
// ValidUntil, and Evidence: the signed records it rests on (certificate,
// agreement and every employer record the host's employer conditions were
// shown by, each once: the one listing the employer's presence when
// no_permanent_office_in_host is among them, for per_wcb_account a record
// showing each named account not covered not open, met or not (one already
// cited when it does, else the one with the smallest reference), which may be another
// record than the office condition's, and under per_wcb_account, for an
// account covered although a cited record shows it not open (records
// disagreeing), a record showing it open; when none of these is cited and
// no_active_host_wcb_account is met, the one with the smallest reference;
// and the host's rules for a SECOR or an ISO-based COR; or equivalency and
// host rules). A proof carries every record the decision cites, so that
// the decision re-derives from them. A host's own certificate named
// by sector, asked about by an industry code, rests on the agreement that
// gives the sector its codes too: host_cor cites it beside the certificate.
//
// # Condition codes
//
// Conditions come from the host's terms in an agreement (registry.HostTerms)
// or its equivalency rule (registry.EquivalencyRule):
//
//   - no_active_host_wcb_account: only for employers with no active WCB
//     account in the host (BC). Fails (host_wcb_account_active) when an
//     employer record of the BN (published by any node) lists a WCB account
//     in the host open on On, or (operating_in_host) when an employer
//     record's presence shows it operating in the host on On (BC: only for
//     firms not operating there); met when employer records exist and none does (corfed
//     takes its employer records to list every WCB account); not met
//     (conditional) when no employer record is among the facts.
//   - bid_use_only: for bidding only (BC). A limit, met: Use "work" was
//     already refused (use_not_allowed).
//   - void_once_work_starts: void once work starts in the host (MB), when
//     the host's own COR equivalency is needed. A limit, met: Use "work" was
//     already refused (work_voids_reciprocity).
//   - no_permanent_office_in_host: only for employers with no permanent
//     office in the host (SK). Fails (permanent_office_in_host) when an
//     employer record's presence shows a permanent office in the host on
//     On; met when employer records list their presence and none does;
//     not met (conditional) when no employer record lists any presence.
//   - per_wcb_account: each WCB account qualifies on its own (SK, ON). Met
//     when the home certificate names a WCB account covered on On (they
//     are what the recognition covers): one the employer's records show
//     open on On (WCBAccount ActiveOn), or that no record lists. Not met
//     when it names none, or none covered (every record listing them
//     shows them opened after On or closed before it). For each account
//     not covered, met or not, a record showing it not open is cited, so
//     that the accounts covered re-derive from the records cited.
//   - yearly_reapplication: the equivalency is applied for again every year
//     (Energy Safety Canada); the rule's 12-month term bounds validity. Met.
//   - certification_maintained: the equivalency is maintained in years 2
//     and 3 by proof that the certification is maintained (AB). Met.
//
// # Reason codes
//
// The first reason summarises the outcome:
//
//   - host_cor_active: the host's own certificate is active (basis host_cor).
//   - home_cor_recognized: the home certificate is recognized under an
//     agreement (basis home_cor_agreement; also when conditional).
//   - iso_equivalency_accepted: the host accepts the ISO/CSA certification.
//   - no_basis: not recognized; the reasons that follow say why.
//   - invalid_question: the question failed Question.Validate (only reason).
//
// A conditional decision then has conditions_unverified (the conditions
// no record can show). Not recognized and conditional decisions then list
// what failed, at most once per record:
//
//   - no_certificate: no certificate or equivalency record of the BN.
//   - certificate_issuer_mismatch: a certificate published by a node other
//     than its jurisdiction's; ignored.
//   - certificate_invalid: a certificate without valid jurisdiction, issue
//     or expiry date; ignored.
//   - certificate_not_yet_issued: the date is before issue, or before the
//     first recorded status.
//   - certificate_pending, certificate_suspended, certificate_cancelled
//     (e.g. missed maintenance), certificate_revoked, certificate_superseded,
//     certificate_expired, certificate_not_active (any other status): the
//     certificate's status on the date.
//   - sector_mismatch: the certificate does not cover the question's sector
//     or code, or is outside the agreement's sector, or the question is, or
//     the equivalency's industry codes do not cover the question's code or
//     the sector it names.
//   - no_agreement: no agreement has both the home and the host as parties.
//   - agreement_not_in_force: agreements between them exist, none in force
//     on the date.
//   - agreement_invalid: the agreement's terms fail validation; ignored.
//   - agreement_issuer_not_party: published by a non-party node; ignored.
//   - agreement_unsigned: a party's verified signature is missing (the text
//     names the parties); ignored.
//   - program_not_in_agreement: the agreement does not list the program
//     (SECOR).
//   - program_excluded_by_host: the host excludes the program in its terms,
//     or its rules refuse another jurisdiction's SECOR.
//   - program_definition_excluded_by_host: the host excludes the program
//     definition the certificate was issued under (ECOR) in its terms,
//     though not the certificate's program (COR).
//   - use_not_allowed: the host allows another use only (bid only).
//   - work_voids_reciprocity: use "work" where recognition is void once work
//     starts (MB).
//   - host_wcb_account_active: the employer has a WCB account in a host that
//     grants reciprocity only to employers with none (BC).
//   - equivalency_issuer_not_covered: the equivalency record was published
//     by a node that is neither the host's nor that of a jurisdiction its
//     provinces name (EquivalencyCounts); ignored.
//   - equivalency_not_accepted: the equivalency's decision is not accepted.
//   - equivalency_not_yet_valid, equivalency_expired: the date is outside
//     its valid_from..valid_to.
//   - equivalency_not_active: its status on the date is not active.
//   - host_rules_unknown: no rules of the host in force on the date are
//     among the facts, so ISO acceptance cannot be judged: of an
//     equivalency, and of another jurisdiction's SECOR or ISO-based COR
//     under an agreement (a gap between two versions of the rules, or a
//     date before the first).
//   - host_rules_issuer_mismatch, host_rules_invalid: the host's rules in
//     force were published by another node or fail validation; ignored.
//   - iso_not_accepted: the host accepts no ISO/CSA equivalency for the
//     sector (BC; hosts with no rule).
//   - standard_not_accepted, certification_body_not_designated,
//     iaf_mark_missing, scope_not_aligned, scope_excludes_host: a
//     requirement of the host's equivalency rule is not met.
//     Also of the equivalency an ISO-based home COR rests on.
//   - basis_equivalency_unknown: a home COR issued on an ISO/CSA
//     equivalency names an equivalency record (basis_ref) that is not
//     among the facts, so the host's ISO rule cannot judge it.
//   - agreement_withdrawn: a party withdrew from the agreement on or before
//     the date.
//   - permanent_office_in_host: the employer has a permanent office in a
//     host that grants reciprocity only to employers with none (SK).
//   - operating_in_host: the employer operates in a host that grants
//     reciprocity only to firms not operating there (BC).
//   - letter_expired, letter_void_work_started: the host's letter for the
//     certificate expired, or is void since work started (MB).
//
// Whatever the outcome, history_corrected follows when the status history
// of a certificate or equivalency the decision read was corrected in a way
// that bears on the date (the text says when, by whom and why).
//
// A recognition answer about a date later than the day it is made ends
// with projection_from_today (Projection), added by the answering node,
// not by Decide, which reads no clock: the decision is a projection from
// that day's records.
//
// Codes are stable; texts are for people and may change.
//
// # Languages
//
// Every sentence of a decision (Reason.Text, Condition.Text) exists in
// English and in French, Canada's official languages. The language is an
// input like the date: Question.Lang (English when empty, or French);
// Decide stays pure, and the same question in either language gives the
// same outcome, basis, dates, codes, met flags and evidence; only the texts
// differ. The edges choose the language and pass it in: the JSON API from
// ?lang= or Accept-Language (MatchLang; Content-Language says which), the
// pages from ?lang=, a cookie or Accept-Language. A proof carries the
// decision in the language asked (question.lang, absent for English).
// StatusWord, OutcomeText and BasisText give the words pages show around a
// decision.
//
// The sentences name provinces and territories, never by code: "British
// Columbia recognizes Alberta's COR ...", "La Colombie-Britannique reconnaît
// le certificat ... délivré en Alberta", with the article, preposition,
// elision and verb agreement each name takes (place.go, the one table of
// names: JurisdictionName, JurisdictionIn and JurisdictionOf give them to
// the pages). A code not in the table is named by the code. A proof's
// re-derivation compares codes, dates, conditions and evidence, never the
// sentences, so proofs signed with an earlier wording still hold. The text
// a French sentence quotes as a person typed it (a status reason without
// reason_fr) is listed in Reason.Quoted, outside the JSON, so that a page
// marks it lang="en".
//
// Adding a reason or condition code: add its constant and document it
// above; write its English sentence in text.go (textEN or conditionText)
// and its French one in text_fr.go (textFR or conditionTextFR), the same
// case in the same order. TestGolden decides every golden case in both
// languages and fails when a French sentence is missing, equals the English
// one or falls back to "Code x." - so add a golden case that reaches the new
// code.
package equivalence
