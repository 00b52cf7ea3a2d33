package snapstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/measure"
)

func TestPutReplacesAndCounts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), File)
	s, err := Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	rows := []measure.Snapshot{
		{EmployerBN: "723456786", WCBAccount: "1", Year: 2024, PersonYears: 10},
		{EmployerBN: "723456786", WCBAccount: "2", Year: 2024, PersonYears: 12},
		{EmployerBN: "723456786", WCBAccount: "1", Year: 2023, PersonYears: 9},
	}
	res, err := s.Put(ctx, rows)
	if err != nil || res != (PutResult{Added: 3}) {
		t.Fatalf("Put = %+v, %v", res, err)
	}
	rows[0].LostTimeClaims, rows[0].DisablingInjuryClaims = 1, 1
	res, err = s.Put(ctx, rows)
	if err != nil || res != (PutResult{Replaced: 1, Unchanged: 2}) {
		t.Fatalf("second Put = %+v, %v", res, err)
	}
	got, gen, err := s.Rows(ctx, 2024)
	if err != nil || len(got) != 2 || gen != 2 || got[0].LostTimeClaims != 1 {
		t.Fatalf("Rows(2024) = %+v gen %d, %v", got, gen, err)
	}
	if _, err := Open(path, true); err == nil {
		t.Fatal("a second Open of a locked file succeeded")
	}
	s.Close()
	s, err = Open(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, gen, _ := s.Rows(ctx, 0)
	years, _ := s.Years(ctx)
	if len(all) != 3 || gen != 2 || years[2023] != 1 || years[2024] != 2 {
		t.Errorf("after reopen: %d rows, gen %d, years %v", len(all), gen, years)
	}
}
