package sim

import (
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"
)

// The generic dialect's memory, sized for millions of messages: per message one
// 16-byte map slot (key → where it is logged) and one 16-byte log entry in its
// relay's log. Texts are not kept; ids that are not plain decimals (fallback keys
// such as "42-sms") keep their text in a side map so reports can echo them.

const storeShards = 64

// Message statuses in the log.
const (
	statusDeliver   uint8 = iota + 1 // accepted; the report will say delivered
	statusReportErr                  // accepted; the report will say failed
	statusFailed                     // failed for the recipient at once
)

// logEntry is one unique message at one relay.
type logEntry struct {
	key     uint64
	finalAt uint32 // ms since the simulator started
	status  uint8
	code    uint8 // index into failureCodes
}

// failureCodes are the codes the simulator answers with, by index.
var failureCodes = []string{"", "not_kakao_user", "invalid_number", "invalid_address", "blocked", "undeliverable"}

const (
	codeNone uint8 = iota
	codeNotKakaoUser
	codeInvalidNumber
	codeInvalidAddress
	codeBlocked
	codeUndeliverable
)

// slot says where a key was first logged.
type slot struct {
	seq   uint32
	relay uint16
}

type otherKey struct {
	key   uint64
	relay uint16
}

type shard struct {
	mu sync.Mutex
	m  map[uint64]slot
	// other holds the rare second sighting of a key at another relay (failover),
	// so that each relay still dedupes on its own.
	other map[otherKey]uint32
}

type store struct {
	shards      [storeShards]shard
	names       sync.Map // key → original id text, for non-decimal ids
	unique      atomic.Int64
	redelivered atomic.Int64
}

func (st *store) init() {
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.Lock()
		sh.m = make(map[uint64]slot)
		sh.other = make(map[otherKey]uint32)
		sh.mu.Unlock()
	}
	st.names.Clear()
	st.unique.Store(0)
	st.redelivered.Store(0)
}

// keyOf maps a wire id to a 64-bit key: a decimal id is itself; anything else is
// an FNV-1a hash with the top bit set, so it cannot collide with a decimal id.
// remember keeps the text of such ids for idOf.
func (st *store) keyOf(id string, remember bool) uint64 {
	if n, err := strconv.ParseUint(id, 10, 63); err == nil && (len(id) == 1 || id[0] != '0') {
		return n
	}
	h := fnv.New64a()
	h.Write([]byte(id))
	k := h.Sum64() | 1<<63
	if remember {
		st.names.LoadOrStore(k, id)
	}
	return k
}

// idOf is keyOf's inverse.
func (st *store) idOf(key uint64) string {
	if key&(1<<63) == 0 {
		return strconv.FormatUint(key, 10)
	}
	if v, ok := st.names.Load(key); ok {
		return v.(string)
	}
	return strconv.FormatUint(key, 10)
}

func (st *store) shard(key uint64) *shard {
	return &st.shards[(key*0x9e3779b97f4a7c15)>>58]
}

// seen returns where relay r logged key, if it did.
func (st *store) seen(key uint64, r uint16) (uint32, bool) {
	sh := st.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s, ok := sh.m[key]; ok && s.relay == r {
		return s.seq, true
	}
	seq, ok := sh.other[otherKey{key, r}]
	return seq, ok
}

// admit records key at relay r unless r has it already. log appends the entry to
// r's log and returns its sequence number; it runs under the shard lock, so two
// concurrent requests with one id cannot both deliver it.
func (st *store) admit(key uint64, r uint16, log func() uint32) (seq uint32, dup bool) {
	sh := st.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	s, ok := sh.m[key]
	switch {
	case !ok:
		seq = log()
		sh.m[key] = slot{seq: seq, relay: r}
		st.unique.Add(1)
		return seq, false
	case s.relay == r:
		return s.seq, true
	}
	if seq, ok := sh.other[otherKey{key, r}]; ok {
		return seq, true
	}
	seq = log()
	sh.other[otherKey{key, r}] = seq
	st.redelivered.Add(1)
	return seq, false
}
