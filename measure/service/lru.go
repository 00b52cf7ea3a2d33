package service

import "container/list"

// lru is a cache of at most max answers that, when full, drops the one
// used least recently: a run of new questions (any industry, any period)
// evicts only the answers nobody asked for since, not every answer. Its
// owner locks it (Service.mu).
type lru[V any] struct {
	max   int
	order *list.List // of *lruEntry[V], most recently used first
	byKey map[string]*list.Element
}

type lruEntry[V any] struct {
	key string
	v   V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// get returns the answer kept under key, marking it used.
func (c *lru[V]) get(key string) (V, bool) {
	e, ok := c.byKey[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry[V]).v, true
}

// put keeps v under key, dropping the least recently used answer when
// the cache is full.
func (c *lru[V]) put(key string, v V) {
	if e, ok := c.byKey[key]; ok {
		e.Value.(*lruEntry[V]).v = v
		c.order.MoveToFront(e)
		return
	}
	if c.order.Len() >= c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.byKey, old.Value.(*lruEntry[V]).key)
	}
	c.byKey[key] = c.order.PushFront(&lruEntry[V]{key, v})
}

// clear drops every answer.
func (c *lru[V]) clear() {
	c.order.Init()
	clear(c.byKey)
}

// len is the number of answers kept.
func (c *lru[V]) len() int { return c.order.Len() }
