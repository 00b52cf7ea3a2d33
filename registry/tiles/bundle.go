package tiles

import (
	"encoding/binary"
	"fmt"

	"github.com/corfed/corfed/registry"
)

// MaxEntrySize is the largest entry a bundle can hold: its length is a
// big-endian uint16.
const MaxEntrySize = 1<<16 - 1

// MaxBundleSize is the largest well-formed entry bundle, in bytes.
const MaxBundleSize = TileWidth * (2 + MaxEntrySize)

// AppendEntry appends entry to bundle b, prefixed by its length as a
// big-endian uint16. An empty entry or one over MaxEntrySize bytes wraps
// registry.ErrInvalid.
func AppendEntry(b, entry []byte) ([]byte, error) {
	if len(entry) == 0 || len(entry) > MaxEntrySize {
		return b, fmt.Errorf("tiles: entry of %d bytes, want 1 to %d: %w", len(entry), MaxEntrySize, registry.ErrInvalid)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(entry)))
	return append(b, entry...), nil
}

// ParseBundle splits an entry bundle into its entries. The bundle must hold
// exactly want entries (1 to TileWidth), each non-empty, and no byte after
// the last; else the error wraps registry.ErrInvalid. The entries alias
// data.
func ParseBundle(data []byte, want int) ([][]byte, error) {
	if want < 1 || want > TileWidth {
		return nil, fmt.Errorf("tiles: bundle of %d entries asked for, want 1 to %d: %w", want, TileWidth, registry.ErrInvalid)
	}
	out := make([][]byte, 0, want)
	for len(data) > 0 {
		if len(out) == want {
			if len(data) >= 2 {
				if n := int(binary.BigEndian.Uint16(data)); n > 0 && n <= len(data)-2 {
					return nil, fmt.Errorf("tiles: bundle holds more than %d entries: %w", want, registry.ErrInvalid)
				}
			}
			return nil, fmt.Errorf("tiles: bundle has %d trailing bytes after its %d entries: %w", len(data), want, registry.ErrInvalid)
		}
		if len(data) < 2 {
			return nil, fmt.Errorf("tiles: bundle ends inside the length of entry %d: %w", len(out), registry.ErrInvalid)
		}
		n := int(binary.BigEndian.Uint16(data))
		data = data[2:]
		if n == 0 || n > len(data) {
			return nil, fmt.Errorf("tiles: entry %d of the bundle has length %d, %d bytes left: %w", len(out), n, len(data), registry.ErrInvalid)
		}
		out = append(out, data[:n:n])
		data = data[n:]
	}
	if len(out) != want {
		return nil, fmt.Errorf("tiles: bundle holds %d entries, want %d: %w", len(out), want, registry.ErrInvalid)
	}
	return out, nil
}
