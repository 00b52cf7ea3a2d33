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
// is the exact product divided once, rounded to the nearest IEEE 754
// double (ties to even), and is the figure itself for a whole year.
// Counts, person-years and claim costs are summed exactly (in arbitrary
// precision) and the sum rounded once to the nearest double, so a count
// may be fractional; each rate is then computed in double precision in
// exactly the order written above (count / PY, then times the unit).
// Nothing is rounded in JSON: a figure is the shortest decimal that reads
// back as the same double.
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
// employer as an employer (the published employers), in every group where
// it has at least one day, so an employer whose status changed in the
// year is in both, and the two groups' employers may add up to more than
// the distinct employers. Cells can be broken down by year, industry, size
// band (of the row's person-years, see SizeBand), program and CP (of the
// certificate held).
//
// A group is suppressed (primary suppression), and none of its figures is
// shown, when it has fewer than MinPersonYears person-years or fewer than
// MinEmployers employer-years: each employer counts for its share of a
// year in the group (its days there over the days of the year, summed
// over its rows), at most one, so an employer in the group for one day
// adds 1/366 of an employer and four employers certified on 31 December
// do not make up a group of one (defaults 5 and 40: a group of exactly 5
// whole-year employers and 40 person-years is shown). The published
// employers stays the count of distinct employers, at least the
// employer-years.
//
// Every answer is read from one family of tables: the table of a set of
// dimensions, over every row, all of them decided together whatever the
// question. A breakdown is its table, a filter (Industry, Year) picks
// cells of the table of the breakdown's dimensions and the filter's, its
// totals are the cell of the filter's table, and a signed aggregate
// (Totals) is a cell of the breakdown by year. A table hides more cells
// (secondary suppression) until, for each of its lines (its cells inside
// one cell of the table of a proper subset of its dimensions, which that
// table publishes), the hidden cells of the line are none, or at least
// two that together meet the minimum, and a line whose coarser cell is
// hidden has a hidden cell.
//
// In a sparse table a cell can be the same group as a cell of a coarser
// table (industry D has rows in 2024 only: D is the cell (2024, D)), which
// publishes it whatever the finer table does. Such a cell is hidden only
// when no other cell of a line can be (a line whose total is published
// and whose other shown cells are all such cells, or a line whose hidden
// total its shown cells would add up to); then every cell that is the same
// group is hidden too, in every table, and the decision starts again from
// the totals with those cells hidden, until no table needs more. So what a
// coarse table hides depends on the finer tables as well, and every answer
// (any order, filter or breakdown, and the signed aggregate) is read from
// one decision of the tables of every set of the dimensions; it depends
// only on the rows, not on the question. A group is then shown by every
// table that has it or hidden by all, and the shown cells of a table
// subtracted from a published total (or from a group known as the sum of
// shown cells, or as a group with the same rows) never leave one hidden
// cell, nor hidden cells below the minimum together
// (TestNoPublishedAnswersGiveAHiddenCellAway,
// TestSparseTablesGiveNoHiddenCellAway).
//
// Claim costs are decided on their own. A group's claim_costs and
// claim_cost_per_person_year come from its rows that report claim costs
// (which give away those rows' person-years too), so when some rows report
// them and others do not, those rows are a group of their own, decided by
// the same rules (the minimum, then the lines of every table) with every
// hidden group hidden from the start: a shown group whose cost-reporting
// rows are hidden shows null claim costs and says why
// (claim_costs_suppressed), and the signed aggregate leaves them out too.
// The signed aggregate says how many employers its claim costs come from
// (employers_with_costs), so that two versions of it are compared on those
// rows as on the group's (measure/service, small_changes).
// When every row reports claim costs, or none does, they are the group's
// own rows and decided with it.
//
// One limit remains, as in any table-by-table suppression: a hidden cell
// can be the one unknown of a system of several lines (a chain of hidden
// cells that meets each line twice, solved by adding and subtracting
// lines), which one subtraction does not find.
package measure
