// Package boltstore stores corfed's signed entries, and the Merkle log over
// them, in one bbolt file.
//
// # What it owns
//
// A file holds several named logs. A log is an append-only sequence of
// registry.Entry values, numbered by Seq from 1 with no gaps. A node's own
// feed is the log named "self"; the federation layer keeps each peer's
// verified replica in a log named after the peer (for example "peer/CA-BC").
// Next to the entries, each log keeps:
//
//   - a record index: the versions of every (kind, id), so the newest version,
//     one version or all of them are found without scanning;
//   - secondary index keys (IndexKey) given by the caller on each Append; only
//     the keys of a record's newest version are kept, so Lookup finds records
//     by their current business number, name, etc.;
//   - an RFC 6962 Merkle tree over the entries, maintained with
//     golang.org/x/mod/sumdb/tlog: leaf i (from 0) is the entry with Seq i+1
//     and its data is the bytes of the entry's compact JWS, so the leaf hash is
//     tlog.RecordHash([]byte(e.JWS)) = SHA-256(0x00 || jws). The hashes are
//     written in the same transaction as the entry, so the log and the store
//     never disagree;
//   - a small key/value area (Meta) for callers' bookkeeping.
//
// Append checks sequence and version numbers; it does not look inside the
// JWS. Verifying signatures, and that the JWS payload matches the entry's
// fields, is the caller's job (registry/node for the own feed,
// registry/verified for replicas).
//
// A *Log is the registry.Log / registry.LogWriter contract, and DB.Store
// gives the DB as a registry.Store: that is all a node sees of this
// package. Only cmd/corfed (which opens the file and wires the node) and
// tests import it. This package imports only the standard library, bbolt,
// tlog and the registry package; it must not import registry/node,
// federation or openapi.
//
// # Transactions
//
// DB.Update runs a function in a read-write transaction with group commit:
// concurrent calls share one bbolt transaction and one fsync. Because bbolt
// re-runs the functions of a batch when one of them fails, a function given
// to Update may run more than once and must be idempotent (see DB.Update).
// DB.UpdateAlone runs a function in a transaction of its own, for large
// imports; DB.View runs a read-only transaction. A Tx, and the Log values and
// HashReader taken from it, are valid only inside the function.
//
// # On-disk format, version 8 (FormatVersion)
//
// All integers in keys and values are 8-byte big-endian unless said
// otherwise; 0x00 separates the parts of composite keys (kinds, ids and index
// key names and values may not contain 0x00).
//
//	"corfed"                      store metadata
//	    "format"                  format version, ASCII decimal: "8"
//	"logs"                        one nested bucket per log, named by the log name
//	    <name>
//	        "entries"             seq -> entry (see below)
//	        "records"             kind 0x00 id -> newest ver || its seq (16 bytes): the
//	                              pointers formats 3 to 5 wrote; format 6 writes them
//	                              into the index runs (below) and reads here only
//	                              for a record no run holds
//	        "versions"            kind 0x00 id 0x00 ver -> seq, only for records with
//	                              more than one version (a record's only version is
//	                              found from its pointer)
//	        "counts"              kind -> number of records of that kind
//	        "index"               name 0x00 value 0x00 kind 0x00 id -> empty, or 0x01 (removed),
//	                              and 0x00 kind 0x00 id -> newest ver || its seq, then the
//	                              record's slot if it has one (16 or 24 bytes, a record's
//	                              pointer): the index's first run (see below)
//	        "lsm"                 the index's other runs and their state (lsm.go); its manifest
//	                              is absent until the first run is sealed
//	        "hashes"              entry index n (from 0) -> the tlog hashes record n added, level 0 first, 32 bytes each
//	        "meta"                caller key -> caller value
//	        "jwsheaders"          ref (from 1) -> a JWS protected header the log's entries use
//	                              (headers.go); absent until the first entry refers to one
//
// An entry value stores the entry once: the byte 0x03 (the entry encoding),
// a flags byte, uvarint Ver, varint Iat, then Iss, Kind and ID (each a
// uvarint length and that many bytes); with flag 0x01 the author's Role, CP
// and Token; the record's index keys as given to Append (uvarint count, then
// name and value of each); then the JWS: with flag 0x02 its three parts
// base64url-decoded (header, payload, signature, each length-prefixed), which
// encode back to the same compact JWS, else the JWS text; then, without flag
// 0x04, the Record bytes. With flag 0x04 Record is not stored: it is the
// "record" member of the JWS payload (the canonical envelope ends with it),
// which Append checked gives Record back byte for byte. The seq is the key.
// An empty Record reads back as nil. Only the newest version's index keys
// matter: Append takes them out of the index when the next version comes.
//
// Format 7 stores each field of an entry once. With flag 0x10 the
// payload is not stored at all: it is the canonical envelope of the
// fields stored before the keys (Iss, Seq from the key, Kind, ID, Ver,
// Iat, the author) and of Record, which is then stored after the
// signature; Append sets the flag only when appendEnvelope gives the
// payload back byte for byte (about 130 bytes an entry). With flag 0x20
// the header part is a uvarint reference into the log's "jwsheaders"
// table instead of its bytes (92 bytes an entry for one key's EdDSA
// header; at most maxHeaders headers a log, the rest stay inline). At a
// million realistic entries the two took the entries bucket from 1,035
// to about 700 bytes of pages an entry: a value of ~880 bytes left 4 to
// a 4 KB page, one of ~650 leaves 5 or 6.
//
// With flag 0x08 (format 4), each index key is its name, a uvarint
// reference r and a value (length-prefixed): for r > 0 the key's value is
// that value followed by the value of key r (1 = the entry's first key;
// r is less than the key's own position). A key whose value ends with an
// earlier key's value (4 bytes or more) is stored this way (a
// certificate's "stp" key was its program, a slash and its "st" key, until
// the node stopped writing "st" keys). An entry without such keys is
// stored without the flag, as in format 3.
//
// The secondary index is a log-structured merge of sorted runs (lsm.go):
// appends write into the newest run, which is sealed after 65,536 writes;
// runs of about the same size are merged eight at a time into one written
// in key order, a little in each append transaction; a key removed is
// written as a tombstone (0x01) while an older run may hold it. A lookup
// reads every run, the newest holding a key deciding. The "index" bucket
// is run 0: a new log's first run, and all of a format-4 file's index.
// The runs also hold each record's pointer (its newest version and that
// version's seq) under 0x00 kind 0x00 id, which no index key begins
// with: L0 takes a transaction's pointers with its index keys, where a
// bucket keyed by id took a page write per record at a million records.
// A record's pointer is never removed, only shadowed by a newer one.
// Since format 8 a pointer may end with the record's slot (slot.go, 24
// bytes), a number its log's owner attaches to it (a node's status list
// index of a certificate): the next version's pointer carries it, and
// setting it in the transaction that appends the record rewrites the L0
// key just written, where the node's meta key per certificate had taken a
// page write per certificate at a million records.
//
// A merge moves its keys (format 7): when it begins, its output run goes
// into the manifest right after its inputs (newer than they are, older
// than the runs after them), and each step deletes from every input, in
// its own transaction, the keys it consumed (written to the output, or
// dropped: a tombstone no older run needs, an older input's duplicate).
// A key is then in the inputs or in the output, never both, with the
// precedence it had, so a reader of every run in the manifest sees the
// index as before the merge, and the inputs' freed pages go to the
// output: the file no longer grows by the size of the merge. The merge
// state ("lsm"/"merge") is the output's id (8 bytes), flags (0x01 the
// merge drops tombstones, 0x02 it moves; other bits are refused), the
// number of inputs and their ids (8 bytes each, oldest first), the keys
// written so far (8 bytes) and the last key consumed. A format-6 file's
// merge under way (flags 0 or 1) copied its keys into an output no
// reader sees; it is finished that way, its output swapped in for its
// inputs at its last step. The output of a merge under way has no
// pointer filter until the merge ends (filter.go).
//
// The append-only buckets (entries, hashes) are filled to 100% (keys
// arrive in order); the others to 100% when a transaction's keys come in
// runs and to 70% when they fall all over the bucket (see keyedFill and
// setFill).
//
// Format 7 had no slots (its pointers are 16 bytes); format 6 had neither
// entry flag 0x10 nor 0x20, nor merges that move their keys (lsm.go);
// format 5 had the records' pointers in the
// "records" bucket alone, format 4 also the index in the "index" bucket
// alone, and format 3 no flag 0x08; format 8 reads their values as they are (a pointer no run
// holds is looked up in "records", a merge under way that does not move
// its keys ends as it began), so Open turns a format-3 to -7 file into
// format 8 by writing the version only (an older build then refuses the
// file, whose newer values it would misread).
// Format 2 (before) kept the Record beside the JWS text in each entry, the
// current index keys in a "keys" bucket, and every version in "versions".
// Open migrates a format-2 file in place (see migrate.go): a new file is
// written, checked (same size and tree hash for every log) and renamed over
// the old one.
//
// Versioning rule: a change that an older build would misread bumps the
// format version. Open refuses a file whose version it does not know, and a
// file with buckets but no "corfed" bucket (not a corfed store), rather than
// guess. A new file is created with the current version. Format 1 files are
// refused (no build since has read them).
package boltstore
