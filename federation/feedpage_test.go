package federation

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/registry/strictjson"
)

// refFeedPage is a page as strictjson.DecodeSchema decodes it with
// refFeedSchema: the definition decodeFeedPage must agree with.
type refFeedPage struct {
	Jurisdiction string         `json:"jurisdiction"`
	Size         uint64         `json:"size"`
	Entries      []refFeedEntry `json:"entries"`
	Next         uint64         `json:"next"`
}

type refFeedEntry struct {
	Iss    refSkip `json:"iss"`
	Seq    refSkip `json:"seq"`
	Kind   refSkip `json:"kind"`
	ID     refSkip `json:"id"`
	Ver    refSkip `json:"ver"`
	Iat    refSkip `json:"iat"`
	By     refSkip `json:"by"`
	Record refSkip `json:"record"`
	JWS    string  `json:"jws"`
}

var refFeedSchema = [][]string{feedPageMembers, nil, feedEntryMembers}

// refSkip is a JSON value checked for syntax and dropped.
type refSkip struct{}

func (*refSkip) UnmarshalJSON([]byte) error { return nil }

// checkFeedPageAgrees fails t unless decodeFeedPage and DecodeSchema both
// refuse data, or both accept it with the same page.
func checkFeedPageAgrees(t *testing.T, data []byte) {
	t.Helper()
	got, err := decodeFeedPage(data)
	var want refFeedPage
	wantErr := strictjson.DecodeSchema(data, &want, refFeedSchema)
	if wantErr == nil && len(want.Entries) > MaxPageSize {
		// More entries than a node serves: refused while decoding.
		if err == nil {
			t.Fatalf("decodeFeedPage: a page of %d entries decoded, want refused (at most %d)", len(want.Entries), MaxPageSize)
		}
		return
	}
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("decodeFeedPage(%q): error %v; DecodeSchema: error %v", data, err, wantErr)
	}
	if err != nil {
		return
	}
	if string(got.Jurisdiction) != want.Jurisdiction || got.Size != want.Size || got.Next != want.Next || len(got.Entries) != len(want.Entries) {
		t.Fatalf("decodeFeedPage(%q) = %+v; DecodeSchema: %+v", data, got, want)
	}
	for i, e := range got.Entries {
		if e.JWS != want.Entries[i].JWS {
			t.Fatalf("decodeFeedPage(%q) entry %d JWS %q; DecodeSchema: %q", data, i, e.JWS, want.Entries[i].JWS)
		}
	}
}

var feedPageCases = []struct {
	name, json string
	ok         bool
}{
	{"page", `{"jurisdiction":"CA-AB","size":2,"entries":[{"iss":"CA-AB","seq":1,"kind":"employer","id":"1","ver":1,"iat":5,"by":{"role":"admin"},"record":{"a":[1,2.5e-3,true,false,null,"x"]},"jws":"a.b.c"},{"jws":"d.e.f"}],"next":2}`, true},
	{"white space", " \t\r\n{ \"size\" : 1 , \"entries\" : [ { \"jws\" : \"x\" } ] } \n", true},
	{"empty", `{}`, true},
	{"null page", `null`, true},
	{"null members", `{"jurisdiction":null,"size":null,"entries":null,"next":null}`, true},
	{"null entry", `{"entries":[null,{"jws":null}]}`, true},
	{"escaped jws", `{"entries":[{"jws":"a\u002eb\n\ud800"}]}`, true},
	{"escaped name", `{"entr\u0069es":[{"j\u0077s":"x"}]}`, true},
	{"largest size", `{"size":18446744073709551615}`, true},
	{"size too large", `{"size":18446744073709551616}`, false},
	{"negative size", `{"size":-1}`, false},
	{"minus zero", `{"size":-0}`, false},
	{"fraction", `{"size":1.0}`, false},
	{"exponent", `{"size":1e2}`, false},
	{"string size", `{"size":"1"}`, false},
	{"number jurisdiction", `{"jurisdiction":1}`, false},
	{"object entries", `{"entries":{}}`, false},
	{"array entry", `{"entries":[[]]}`, false},
	{"string entry", `{"entries":["x"]}`, false},
	{"number jws", `{"entries":[{"jws":1}]}`, false},
	{"unknown page member", `{"extra":1}`, false},
	{"unknown entry member", `{"entries":[{"sig":"x"}]}`, false},
	{"name in another case", `{"Size":1}`, false},
	{"repeated member", `{"size":1,"size":1}`, false},
	{"repeated jws", `{"entries":[{"jws":"a","jws":"b"}]}`, false},
	{"repeated in record", `{"entries":[{"record":{"a":1,"A":2}}]}`, false},
	{"trailing comma", `{"size":1,}`, false},
	{"trailing data", `{} {}`, false},
	{"leading zero", `{"entries":[{"seq":01}]}`, false},
	{"bare minus", `{"entries":[{"seq":-}]}`, false},
	{"bad literal", `{"entries":[{"seq":tru}]}`, false},
	{"control character", "{\"jurisdiction\":\"a\tb\"}", false},
	{"bad escape", `{"jurisdiction":"\x"}`, false},
	{"short unicode escape", `{"jurisdiction":"\u12"}`, false},
	{"invalid UTF-8", "{\"jurisdiction\":\"\xff\"}", false},
	{"string page", `"x"`, false},
	{"nothing", ``, false},
	{"too deep", `{"entries":[{"record":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}]}`, false},
	{"deep enough", `{"entries":[{"record":` + strings.Repeat("[", 60) + strings.Repeat("]", 60) + `}]}`, true},
}

func TestDecodeFeedPage(t *testing.T) {
	for _, tc := range feedPageCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeFeedPage([]byte(tc.json))
			if (err == nil) != tc.ok {
				t.Errorf("decodeFeedPage(%s): got error %v, want ok: %v", tc.json, err, tc.ok)
			}
			checkFeedPageAgrees(t, []byte(tc.json))
		})
	}
}

// FuzzDecodeFeedPage: decodeFeedPage accepts exactly what DecodeSchema
// accepts, with the same page.
func FuzzDecodeFeedPage(f *testing.F) {
	for _, tc := range feedPageCases {
		f.Add([]byte(tc.json))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFeedPageAgrees(t, data)
	})
}

// TestDecodeFeedPageBoundsEntries: a page of MaxPageSize entries decodes,
// one of MaxPageSize+1 is refused (a hostile page of empty objects would
// otherwise hold millions of entries before the limit is checked).
func TestDecodeFeedPageBoundsEntries(t *testing.T) {
	page := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"jurisdiction":"CA-BC","size":1,"next":0,"entries":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"jws":"x"}`)
		}
		b.WriteString("]}")
		return []byte(b.String())
	}
	if pg, err := decodeFeedPage(page(MaxPageSize)); err != nil || len(pg.Entries) != MaxPageSize {
		t.Fatalf("%d entries: %v", MaxPageSize, err)
	}
	if _, err := decodeFeedPage(page(MaxPageSize + 1)); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("%d entries: got %v, want refused", MaxPageSize+1, err)
	}
	checkFeedPageAgrees(t, page(MaxPageSize+1))
}
