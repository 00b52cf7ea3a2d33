// Package measure is corfed's measurement model: the OHS performance of
// COR holders against everyone else, and the program's process metrics.
//
// It is pure, like package equivalence: it imports only package registry
// and the standard library. Dates are inputs; there is no clock and no I/O.
// Storage of snapshots (measure/snapstore), file import (measure/ingest),
// the node-facing service (measure/service) and the example-data generator
// (measure/synth) live in sub-packages.
//
// # Performance snapshots
//
// A Snapshot is one WCB account's (or, without an account, one employer's)
// figures for one year: person-years worked, lost-time claims,
// disabling-injury claims (lost-time plus modified-work), fatalities and
// claim costs, with the industry code and the date the figures were taken
// (AsOf, default 31 December of Year). Snapshots are claims data: they are
// sensitive, never signed into the node's replicated feed, and read only
// with a scope. Only aggregates leave the node.
//
// # Definitions (what every figure means)
//
// For a group of snapshots, with PY the sum of person-years (one
// person-year = 2,000 hours worked):
//
//	ltc_rate                   = lost_time_claims / PY * 100            (per 100 person-years)
//	dir                        = disabling_injury_claims / PY * 100     (per 100 person-years)
//	fatality_rate              = fatalities / PY * 1,000,000            (per 1,000,000 person-years, Alberta's unit)
//	claim_cost_per_person_year = claim_costs / PY_c                     (dollars per person-year)
//
// where PY_c is the person-years of the rows that report claim costs (all
// rows, unless a file layout carries none, like Alberta's open data).
// A row's figures go to a group in proportion to the days of its year in
// that group (see Groups): each share (figure × days / days in the year)
// is rounded once to the nearest IEEE 754 double, and is the figure itself
// for a whole year. Counts, person-years and claim costs are summed
// exactly (in arbitrary precision) and the sum rounded once to the nearest
// double, so a count may be fractional; each rate is then computed in double precision in exactly the
// order written above (count / PY, then times the unit). Nothing is
// rounded in JSON: a figure is the shortest decimal that reads back as the
// same double.
//
// Confidence intervals (95% by default) treat each count as Poisson:
//
//   - a rate's interval is the exact (Garwood) interval for its count,
//     divided by PY and times the unit: lower = Q(α/2; k), upper =
//     Q(1-α/2; k+1), where Q(p; a) is the p-quantile of the Gamma(a, 1)
//     distribution (= χ²(p; 2a)/2) and lower = 0 when k = 0;
//   - a rate ratio COR / non-COR is (k₁/PY₁) / (k₀/PY₀) with the log-normal
//     interval exp(ln RR ± z·√(1/k₁ + 1/k₀)), z = 1.959963984540054; it is
//     absent when either count is 0 (the ratio or its interval is
//     undefined).
//
// A fractional (exposure-weighted) count k is used as it is in both
// formulas: the Gamma quantiles take any shape above 0, so the interval is
// Garwood's at a whole count and moves continuously between two.
//
// # Groups and suppression
//
// Membership is judged over the calendar year a snapshot describes, not on
// its AsOf (when the WCB took the figures, which may be months after the
// year). Each day of the year is a cor day when the employer (by BN) held
// a certificate (COR or SECOR) covering the row's account whose status
// that day, by registry.Certificate.StatusOn, was active or suspended (a
// suspended employer is under review, not uncertified); otherwise a
// non_cor day. The row's person-years, counts and claim costs are split
// between the groups by their share of the year's days (exposure
// weighting, Holders.Year), and within cor by the certificate held (for
// the program and cp dimensions). A row counts as a snapshot, and its
// employer as an employer, in every group where it has at least one day,
// so an employer whose status changed in the year is in both, and the
// two groups' employers may add up to more than the distinct employers.
// Cells can be broken down by year, industry, size band (of the row's
// person-years, see SizeBand), program and CP (of the certificate held).
// A group is suppressed, and none of its figures is shown, when it has
// fewer than MinEmployers distinct employers or fewer than MinPersonYears
// person-years (defaults 5 and 40: a group with exactly 5 employers and
// 40 person-years is shown). In a breakdown, when exactly one cell of a
// column (cor or non_cor) is suppressed, the next smallest cell of that
// column is suppressed as well, so the hidden one cannot be recovered by
// subtracting the shown cells from the total; in a table of several
// dimensions the same holds within the cells of each value of each
// dimension (a line, whose total that dimension's breakdown publishes).
// A filtered query (Industry, Year) hides what the breakdown by that
// dimension hides (ComputeFrom).
package measure
