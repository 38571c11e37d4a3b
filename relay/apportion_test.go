package relay

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestApportion(t *testing.T) {
	cases := []struct {
		total   int
		weights []int
		want    []int
	}{
		{1001, []int{70, 30}, []int{701, 300}}, // remainders 70 > 30 (of 100): the 70 relay takes the leftover
		{1001, []int{30, 70}, []int{300, 701}}, // order does not matter when remainders differ
		{1001, []int{50, 50}, []int{501, 500}}, // equal remainders and weights: the first listed
		{1001, []int{1, 1, 1}, []int{334, 334, 333}},
		{10, []int{1, 2, 1}, []int{3, 5, 2}},   // remainders 2, 0, 2 (of 4): equal → the first listed
		{7, []int{2, 3, 2}, []int{2, 3, 2}},    // exact
		{1, []int{20, 30, 50}, []int{0, 0, 1}}, // remainders 20 < 30 < 50
		{3, []int{1, 5}, []int{0, 3}},          // remainders 3 and 3 (of 6): equal → the larger weight
		{3, []int{5, 1}, []int{3, 0}},
		{2, []int{1, 2, 3}, []int{0, 1, 1}}, // remainders 2, 4, 0 (of 6)
		{1, []int{1, 3, 1, 3}, []int{0, 1, 0, 0}},
		{1001, []int{70, 0, 30}, []int{701, 0, 300}}, // zero weight gets nothing
		{5, []int{0, -3}, []int{0, 0}},               // no positive weight: nothing apportioned
		{0, []int{70, 30}, []int{0, 0}},
		{1_000_000, []int{3, 3, 3}, []int{333_334, 333_333, 333_333}},
	}
	for _, c := range cases {
		if got := Apportion(c.total, c.weights); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Apportion(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
		}
	}
}

func TestApportionNeverLosesAMessage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		n := rng.IntN(5) + 1
		weights := make([]int, n)
		var wsum int
		for k := range weights {
			weights[k] = rng.IntN(101) - 10 // some ≤ 0
			if weights[k] > 0 {
				wsum += weights[k]
			}
		}
		total := rng.IntN(100_000)
		got := Apportion(total, weights)
		sum := 0
		for k, c := range got {
			sum += c
			if weights[k] <= 0 && c != 0 {
				t.Fatalf("%d over %v: zero weight got %d", total, weights, c)
			}
			if weights[k] > 0 {
				// Hamilton stays within one message of the exact quota.
				exact := float64(total) * float64(weights[k]) / float64(wsum)
				if float64(c) < exact-1 || float64(c) > exact+1 {
					t.Fatalf("%d over %v: %v is off the quota %.2f", total, weights, got, exact)
				}
			}
		}
		if wsum > 0 && sum != total {
			t.Fatalf("%d over %v: %v sums to %d", total, weights, got, sum)
		}
		if wsum == 0 && sum != 0 {
			t.Fatalf("no positive weight but %v", got)
		}
	}
}

func TestAssign(t *testing.T) {
	got := Assign([]int{3, 0, 2})
	if fmt.Sprint(got) != "[0 0 0 2 2]" {
		t.Errorf("got %v", got)
	}
	counts := Apportion(1001, []int{70, 30})
	a := Assign(counts)
	if len(a) != 1001 || a[700] != 0 || a[701] != 1 {
		t.Errorf("assign 701/300: len %d, a[700]=%d a[701]=%d", len(a), a[700], a[701])
	}
}
