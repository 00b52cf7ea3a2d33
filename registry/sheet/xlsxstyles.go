package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/corfed/corfed/registry/strictjson"
)

// cellAt is a cell's place: row and column from 1.
type cellAt struct{ row, col int }

// dateCells reads worksheet name of the workbook zb as a stream and
// returns the cells that hold a value and whose style formatOf says shows
// a date (or pads a number with zeros), and the boolean cells (shown
// TRUE or FALSE), without excelize loading the worksheet: excelize.GetCellStyle
// does, and fills every row with cells up to its last one, so a few KB
// naming the last column (XFD) on each row had taken 3 MB a row (473 MB
// for 150 rows). Cells past maxCols are not looked at (a value there is
// refused by check, naming its row; an empty styled one is nothing), and
// the worksheet is read up to maxBytes unzipped.
func dateCells(zb []byte, name string, maxCols int, maxBytes int64, formatOf func(style int) cellFormat) (map[cellAt]cellFormat, error) {
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		return nil, err
	}
	part, err := sheetPart(zr, name, maxBytes)
	if err != nil {
		return nil, err
	}
	f, err := zr.Open(part)
	if err != nil {
		return nil, formatErr(nil, "worksheet %q (%s): %v", name, part, err)
	}
	defer f.Close()
	dec := xml.NewDecoder(io.LimitReader(f, maxBytes))
	dates := map[cellAt]cellFormat{}
	row, col, style := 0, 0, 0 // style: of the cell being read, while in it
	boolean := false           // the cell being read is a boolean (t="b")
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return dates, nil
		}
		if err != nil {
			return nil, formatErr(nil, "worksheet %q: %v", name, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "row":
				row, col = row+1, 0
				if v := attr(el, "r"); v != "" {
					if row, err = strconv.Atoi(v); err != nil || row < 1 {
						return nil, formatErr(nil, "worksheet %q: row %q", name, strictjson.Clip(v))
					}
				}
			case "c":
				col, style, boolean = col+1, 0, attr(el, "t") == "b"
				if v := attr(el, "r"); v != "" {
					c, r, err := excelize.CellNameToCoordinates(v)
					if err != nil || r != row {
						return nil, formatErr(nil, "worksheet %q: cell %q in row %d", name, strictjson.Clip(v), row)
					}
					col = c
				}
				if v := attr(el, "s"); v != "" {
					if style, err = strconv.Atoi(v); err != nil || style < 0 {
						return nil, formatErr(nil, "worksheet %q: style %q", name, strictjson.Clip(v))
					}
				}
			case "v":
				if boolean && col <= maxCols {
					dates[cellAt{row, col}] = fmtBool
				} else if style > 0 && col <= maxCols {
					if f := formatOf(style); f != fmtPlain {
						dates[cellAt{row, col}] = f
					}
				}
			}
		case xml.EndElement:
			if el.Name.Local == "c" {
				style, boolean = 0, false
			}
		}
	}
}

// sheetPart is the zip path of worksheet name: the workbook names its
// sheets with relationship ids, which its relationships part maps to
// paths (relative to xl/, or absolute).
func sheetPart(zr *zip.Reader, name string, maxBytes int64) (string, error) {
	var wb struct {
		Sheets []struct {
			Name string     `xml:"name,attr"`
			Attr []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := readXMLPart(zr, "xl/workbook.xml", maxBytes, &wb); err != nil {
		return "", err
	}
	id := ""
	for _, s := range wb.Sheets {
		if s.Name != name {
			continue
		}
		for _, a := range s.Attr {
			if a.Name.Local == "id" && strings.HasSuffix(a.Name.Space, "relationships") {
				id = a.Value
			}
		}
	}
	if id == "" {
		return "", formatErr(nil, "worksheet %q not in the workbook", name)
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXMLPart(zr, "xl/_rels/workbook.xml.rels", maxBytes, &rels); err != nil {
		return "", err
	}
	for _, r := range rels.Rel {
		if r.ID != id {
			continue
		}
		if t, ok := strings.CutPrefix(r.Target, "/"); ok {
			return path.Clean(t), nil
		}
		return path.Clean("xl/" + r.Target), nil
	}
	return "", formatErr(nil, "worksheet %q: relationship %q not found", name, strictjson.Clip(id))
}

func readXMLPart(zr *zip.Reader, name string, maxBytes int64, v any) error {
	f, err := zr.Open(name)
	if err != nil {
		return formatErr(nil, "%s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return formatErr(nil, "%s: %v", name, err)
	}
	if int64(len(b)) > maxBytes {
		return formatErr(nil, "%s: more than %d bytes unzipped", name, maxBytes)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return formatErr(nil, "%s: %v", name, err)
	}
	return nil
}

func attr(el xml.StartElement, local string) string {
	for _, a := range el.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// Bounds on the parts excelize decodes whole into structs (a few hundred
// bytes each per element), checked by streaming them first: a 94 KB
// workbook whose styles part held 12 million empty <xf/> took 4.4 GB of
// heap and 38 s, one whose shared strings held 1.9 million unused <si>
// 723 MB.
const (
	// maxStyleLists bounds each list of xl/styles.xml that excelize
	// decodes into a struct per element (cell formats, fonts, fills,
	// borders, number formats, differential formats, named styles,
	// colors): Excel itself allows 64,000 cell formats, each with at most
	// its own font, fill and border.
	maxStyleLists = 2 * 64_000
	// maxStyleElements bounds every element of xl/styles.xml together
	// (the lists' children too).
	maxStyleElements = 4_000_000
	// freeSharedStrings shared strings are taken without counting the text
	// cells that use them.
	freeSharedStrings = 50_000
)

// styleLists are the styles part's elements excelize decodes into a
// struct each.
var styleLists = []string{"xf", "font", "fill", "border", "numFmt", "dxf", "cellStyle", "color", "rgbColor", "tableStyle", "tableStyleElement"}

// guardParts refuses a workbook whose styles part has more than
// maxStyleLists of one of styleLists (or more than maxStyleElements
// elements in all), or whose shared strings (past freeSharedStrings)
// outnumber the text cells of its other parts, before excelize decodes
// them. Every part is read at most maxBytes unzipped.
func guardParts(zb []byte, maxBytes int64) error {
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if err != nil {
		return err
	}
	var others []string
	shared := 0
	for _, f := range zr.File {
		switch name := f.Name; {
		case path.Base(name) == "styles.xml":
			counts := map[string]int{}
			total, err := countTags(zr, name, maxBytes, maxStyleElements+1, func(tag []byte) bool {
				for _, l := range styleLists {
					if string(tag) == l {
						counts[l]++
						return counts[l] > maxStyleLists
					}
				}
				return false
			})
			if err != nil {
				return err
			}
			for _, l := range styleLists {
				if counts[l] > maxStyleLists {
					return formatErr(nil, "the styles part %s has more than %d %s elements (Excel allows 64,000 cell formats)", name, maxStyleLists, l)
				}
			}
			if total > maxStyleElements {
				return formatErr(nil, "the styles part %s has more than %d elements", name, maxStyleElements)
			}
		case strings.HasPrefix(path.Base(name), "sharedStrings") && strings.HasSuffix(name, ".xml"):
			_, err := countTags(zr, name, maxBytes, -1, func(tag []byte) bool {
				if string(tag) == "si" {
					shared++
				}
				return false
			})
			if err != nil {
				return err
			}
		case strings.HasSuffix(name, ".xml"):
			others = append(others, name) // a worksheet's text cells may be in any of them
		}
	}
	if shared <= freeSharedStrings {
		return nil
	}
	cells := 0
	for _, name := range others {
		n, err := countElements(zr, name, maxBytes, shared-cells, func(el xml.StartElement) bool {
			return el.Name.Local == "c" && attr(el, "t") == "s"
		})
		if err != nil {
			return err
		}
		if cells += n; cells >= shared {
			return nil
		}
	}
	return formatErr(nil, "the workbook holds %d shared strings and only %d text cells to use them", shared, cells)
}

// countElements counts the start elements of part name that count says
// to, stopping at stop (when stop > 0).
func countElements(zr *zip.Reader, name string, maxBytes int64, stop int, count func(xml.StartElement) bool) (int, error) {
	f, err := zr.Open(name)
	if err != nil {
		return 0, formatErr(nil, "%s: %v", name, err)
	}
	defer f.Close()
	dec := xml.NewDecoder(io.LimitReader(f, maxBytes))
	n := 0
	for stop <= 0 || n < stop {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, formatErr(nil, "%s: %v", name, err)
		}
		if el, ok := tok.(xml.StartElement); ok && count(el) {
			n++
		}
	}
	return n, nil
}

// countTags counts the start tags of part name, giving each tag's local
// name to visit, and stops at stop tags (when stop > 0) or when visit says
// to: a byte scan, allocating nothing per tag, for parts whose size is
// what is in question.
func countTags(zr *zip.Reader, name string, maxBytes int64, stop int, visit func(local []byte) bool) (int, error) {
	f, err := zr.Open(name)
	if err != nil {
		return 0, formatErr(nil, "%s: %v", name, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(io.LimitReader(f, maxBytes), 64<<10)
	var tag [64]byte
	n := 0
	for stop <= 0 || n < stop {
		if _, err := br.ReadSlice('<'); err == io.EOF {
			return n, nil
		} else if err != nil && err != bufio.ErrBufferFull {
			return n, formatErr(nil, "%s: %v", name, err)
		} else if err == bufio.ErrBufferFull {
			continue
		}
		k := 0
		for {
			c, err := br.ReadByte()
			if err != nil || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>' {
				break
			}
			if k < len(tag) {
				tag[k] = c
			}
			k++
		}
		if k == 0 || k > len(tag) || tag[0] == '/' || tag[0] == '?' || tag[0] == '!' {
			continue
		}
		local := tag[:k]
		if i := bytes.IndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		n++
		if visit(local) {
			return n, nil
		}
	}
	return n, nil
}
