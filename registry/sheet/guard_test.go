package sheet

import (
	"errors"
	"runtime"
	"strings"
	"testing"
)

// TestCSVWideRowRefusedWhileRead: a CSV row a little too wide gets
// check's message naming its columns (a problem of its row: Table.Bad);
// one of millions of separators (or
// of one enormous cell) is refused while it is read, before encoding/csv
// builds it. Before, 8 MB of commas made 8 million fields (505 MB).
func TestCSVWideRowRefusedWhileRead(t *testing.T) {
	head := "employer_bn,legal_name\n"
	for _, c := range []struct {
		name, body, want string
		maxAlloc         uint64
	}{
		{"100 columns", head + "a" + strings.Repeat(",", 99) + "\n", "has 100 columns", 0},
		{"2 million commas", head + "a" + strings.Repeat(",", 2_000_000) + "\n", "more than 256 columns", 16 << 20},
		{"a 2 MB cell", head + "a," + strings.Repeat("x", 2<<20) + "\n", "bytes", 16 << 20},
		{"commas inside quotes count for nothing", head + `a,"` + strings.Repeat(",", 500) + `"` + "\n", "", 0},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		tab, err := Read([]byte(c.body), CSV)
		runtime.ReadMemStats(&after)
		var bad []string
		if tab != nil {
			for _, b := range tab.Bad {
				bad = append(bad, b.Reason)
			}
		}
		switch got := strings.Join(bad, "; "); {
		case c.want == "" && (err != nil || got != ""):
			t.Errorf("%s: %v %q", c.name, err, got)
		case c.want != "" && err == nil && !strings.Contains(got, c.want):
			t.Errorf("%s: bad cells %q, want one saying %q", c.name, got, c.want)
		case c.want != "" && err != nil && (!errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: got %v, want ErrFormat saying %q", c.name, err, c.want)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; c.maxAlloc > 0 && grew > c.maxAlloc {
			t.Errorf("%s: %d MB allocated to refuse it", c.name, grew>>20)
		}
	}
}
