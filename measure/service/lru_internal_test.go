package service

import (
	"fmt"
	"testing"
)

// Review s27-s (finding 5): the answer caches were emptied when full, so
// 256 questions nobody else asks (random industries, periods) evicted
// everyone's answers. They now drop the least recently used one.
func TestCacheDropsTheLeastRecentlyUsed(t *testing.T) {
	c := newLRU[int](3)
	for i := range 3 {
		c.put(fmt.Sprint(i), i)
	}
	if _, ok := c.get("0"); !ok { // "0" used again: "1" is now the least recent
		t.Fatal("set-up: 0 not kept")
	}
	c.put("3", 3)
	for _, tc := range []struct {
		key  string
		kept bool
	}{{"0", true}, {"1", false}, {"2", true}, {"3", true}} {
		if v, ok := c.get(tc.key); ok != tc.kept || ok && fmt.Sprint(v) != tc.key {
			t.Errorf("%s: kept %v (value %d), want kept %v", tc.key, ok, v, tc.kept)
		}
	}
	if c.len() != 3 {
		t.Errorf("%d answers kept, want at most 3", c.len())
	}
	c.clear()
	if _, ok := c.get("0"); ok || c.len() != 0 {
		t.Errorf("after clear: %d answers kept", c.len())
	}
}
