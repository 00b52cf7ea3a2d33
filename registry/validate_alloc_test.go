package registry_test

import (
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestRecordValidateAllocations: validating a valid record without lists
// costs no allocation (every write validates its record, an import each
// row twice; it cost 11, two per field for nothing).
func TestRecordValidateAllocations(t *testing.T) {
	e := registry.Employer{BN: "123456782", LegalName: "Builders Ltd."}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = e.Validate() }); n > 0 {
		t.Errorf("%v allocations per Employer.Validate, want 0", n)
	}
}
