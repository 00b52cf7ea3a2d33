package sheet

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The workbooks of testdata are written by hand, part by part, as other
// programs write them (not by excelize, which the reader uses):
// inline.xlsx as a streaming writer does (inline strings, no shared
// strings), shared.xlsx as a desktop spreadsheet does (shared strings with
// rich-text runs, a custom date format, two worksheets). go test -update
// rewrites them; TestTestdataIsCurrent checks they are what this file
// writes.
var testdataXLSX = map[string]map[string]string{
	"inline.xlsx": workbook([]string{"Import"}, "", `<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>`,
		`<row r="1">`+
			`<c r="A1" t="inlineStr"><is><t>employer_bn</t></is></c><c r="B1" t="inlineStr"><is><t>legal_name</t></is></c>`+
			`<c r="C1" t="inlineStr"><is><t>issued_on</t></is></c><c r="D1" t="inlineStr"><is><t>term_months</t></is></c></row>`+
			`<row r="2"><c r="A2"><v>812345676</v></c><c r="B2" t="inlineStr"><is><t>Éco Béton Ltée</t></is></c>`+
			`<c r="C2" s="1"><v>46082</v></c><c r="D2"><v>36</v></c></row>`+
			`<row r="3"/>`+
			`<row r="4"><c r="A4" t="inlineStr"><is><t>723456786</t></is></c>`+
			`<c r="B4" t="inlineStr"><is><r><t>Rich </t></r><r><t>Text Inc.</t></r></is></c>`+
			`<c r="C4" s="1"><v>46387</v></c><c r="D4" t="n"><v>12</v></c></row>`+
			`<row><c t="inlineStr"><is><t></t></is></c><c t="inlineStr"><is><t>no r attributes</t></is></c><c><v>45717.5</v></c></row>`),
	"shared.xlsx": workbook([]string{"About", "Data"},
		`<sst count="8" uniqueCount="8"><si><t>About this file</t></si><si><t>employer_bn</t></si><si><t>legal_name</t></si>`+
			`<si><t>issued_on</t></si><si><t>ok</t></si><si><t>sum</t></si>`+
			`<si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r></si><si><t>812345676</t></si></sst>`,
		`<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts>`+
			`<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>`,
		`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`,
		`<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>2</v></c><c r="C1" t="s"><v>3</v></c><c r="D1" t="s"><v>4</v></c><c r="E1" t="s"><v>5</v></c></row>`+
			`<row r="2"><c r="A2" t="s"><v>7</v></c><c r="B2" t="s"><v>6</v></c><c r="C2" s="1"><v>45809</v></c>`+
			`<c r="D2" t="b"><v>1</v></c><c r="E2"><f>1+2</f><v>3</v></c></row>`),
}

// workbook is the parts of a workbook with the named worksheets, whose
// sheetData are data (one per name), shared strings sst ("": none) and
// the styles' numFmts and cellXfs.
func workbook(names []string, sst, styles string, data ...string) map[string]string {
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	parts := map[string]string{
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/styles.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet ` + ns + `>` + styles + `</styleSheet>`,
	}
	types := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`
	sheets, rels := "", `<Relationship Id="rIdS" Type="`+rel+`/styles" Target="styles.xml"/>`
	for i, name := range names {
		id, part := "rId"+string(rune('1'+i)), "worksheets/sheet"+string(rune('1'+i))+".xml"
		sheets += `<sheet name="` + name + `" sheetId="` + string(rune('1'+i)) + `" r:id="` + id + `"/>`
		rels += `<Relationship Id="` + id + `" Type="` + rel + `/worksheet" Target="` + part + `"/>`
		types += `<Override PartName="/xl/` + part + `" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
		parts["xl/"+part] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet ` + ns + `><sheetData>` + data[i] + `</sheetData></worksheet>`
	}
	if sst != "" {
		rels += `<Relationship Id="rIdT" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/>`
		types += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		parts["xl/sharedStrings.xml"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + sst[:4] + ` ` + ns + sst[4:]
	}
	parts["[Content_Types].xml"] = types + `</Types>`
	parts["xl/workbook.xml"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ` + ns + ` xmlns:r="` + rel + `"><sheets>` + sheets + `</sheets></workbook>`
	parts["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`
	return parts
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestTestdataIsCurrent(t *testing.T) {
	for name, parts := range testdataXLSX {
		b := zipOf(t, parts)
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		have, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(have, b) {
			t.Errorf("%s is not what testdata_test.go writes (go test ./registry/sheet -run TestTestdataIsCurrent -update): %v", path, err)
		}
	}
}
