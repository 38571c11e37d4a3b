package store

import (
	"strconv"
	"strings"
	"testing"
)

// The memory of agent ids stays within its bounds whatever agents arrive (the
// tracking route is public): at most agentMemoryMax agents, none longer than
// agentMemoryLen bytes, and the latest one is always remembered.
func TestAgentMemoryStaysWithinItsBounds(t *testing.T) {
	var a agentMemory
	for i := range 3 * agentMemoryMax {
		agent := "agent/" + strconv.Itoa(i)
		a.put(agent, int64(i))
		if id, ok := a.get(agent); !ok || id != int64(i) {
			t.Fatalf("agent %d just stored answers %d, %v", i, id, ok)
		}
	}
	if len(a.m) > agentMemoryMax {
		t.Fatalf("%d agents remembered, bound %d", len(a.m), agentMemoryMax)
	}
	long := strings.Repeat("x", agentMemoryLen+1)
	a.put(long, 1)
	if _, ok := a.get(long); ok {
		t.Fatalf("an agent of %d bytes was remembered", len(long))
	}
}
