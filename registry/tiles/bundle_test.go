package tiles_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/tiles"
)

// TestParseBundleSaysWhatIsWrong (review s27-t #7): a bundle with bytes
// after its entries is reported as trailing bytes unless they make one
// more entry.
func TestParseBundleSaysWhatIsWrong(t *testing.T) {
	two, err := tiles.AppendEntry(nil, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	if two, err = tiles.AppendEntry(two, []byte("two")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want int
		msg  string // "" when it parses
	}{
		{"exact", two, 2, ""},
		{"one entry more", two, 1, "more than 1 entries"},
		{"a trailing zero byte", append(two[:len(two):len(two)], 0), 2, "1 trailing bytes after its 2 entries"},
		{"a trailing length with too little after it", append(two[:len(two):len(two)], 0, 9, 'x'), 2, "3 trailing bytes after its 2 entries"},
		{"one entry fewer", two, 3, "holds 2 entries, want 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := tiles.ParseBundle(tc.data, tc.want)
			switch {
			case tc.msg == "" && (err != nil || len(es) != tc.want):
				t.Errorf("got %d entries, %v", len(es), err)
			case tc.msg != "" && (!errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), tc.msg)):
				t.Errorf("got %v, want an ErrInvalid saying %q", err, tc.msg)
			}
		})
	}
}
