// Package memo remembers values by string key within fixed bounds, for caches
// that whatever a public route is sent must not grow: at most Max keys, none
// longer than MaxKeyLen bytes (longer ones are never kept), and when full an
// arbitrary key makes room (map order is random: O(1), no bookkeeping).
package memo

import (
	"strings"
	"sync"
)

// Bounded is a bounded memory of values by key, safe for concurrent use.
type Bounded[V any] struct {
	mu        sync.Mutex
	max       int
	maxKeyLen int
	m         map[string]V
}

// New remembers up to max keys of up to maxKeyLen bytes.
func New[V any](max, maxKeyLen int) *Bounded[V] {
	return &Bounded[V]{max: max, maxKeyLen: maxKeyLen, m: map[string]V{}}
}

// Get answers the value remembered for key.
func (b *Bounded[V]) Get(key string) (V, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[key]
	return v, ok
}

// Put remembers v for key, unless key is past the length bound.
func (b *Bounded[V]) Put(key string, v V) {
	b.Update(key, func(V, bool) V { return v })
}

// Update remembers fn(the value remembered for key, whether there was one)
// for key and answers it, in one step: concurrent updates of a key each see
// the one before. A key past the length bound is never remembered, so fn
// sees it afresh each time.
func (b *Bounded[V]) Update(key string, fn func(V, bool) V) V {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, ok := b.m[key]
	v := fn(old, ok)
	if len(key) > b.maxKeyLen || b.max <= 0 {
		return v
	}
	if !ok && len(b.m) >= b.max {
		for k := range b.m {
			delete(b.m, k)
			break
		}
	}
	if ok {
		b.m[key] = v
	} else {
		b.m[strings.Clone(key)] = v
	}
	return v
}

// Len is how many keys are remembered.
func (b *Bounded[V]) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}
