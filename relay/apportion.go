package relay

import "sort"

// Apportion splits total messages over relays in proportion to weights, exactly,
// by the largest-remainder (Hamilton) method:
//
//  1. relay i gets ⌊total·wᵢ/W⌋ (W is the sum of the positive weights);
//  2. the messages left over — fewer than the number of relays — go one each to
//     the relays with the largest remainders total·wᵢ mod W;
//  3. tie rule: among equal remainders, the larger weight goes first, then the
//     relay listed earlier in weights.
//
// So 70/30 over 1,001 is 701/300 (remainders 700 and 300 of W=100: the 70 relay
// takes the leftover), and 50/50 over 1,001 is 501/500 (equal remainders and
// weights: the first listed). The counts always sum to total. A weight ≤ 0 gets
// nothing; if no weight is positive, every count is 0. All arithmetic is integer.
func Apportion(total int, weights []int) []int {
	counts := make([]int, len(weights))
	if total <= 0 {
		return counts
	}
	var sum int64
	for _, w := range weights {
		if w > 0 {
			sum += int64(w)
		}
	}
	if sum == 0 {
		return counts
	}
	rem := make([]int64, len(weights))
	var idx []int
	left := total
	for i, w := range weights {
		if w <= 0 {
			continue
		}
		q := int64(total) * int64(w)
		counts[i] = int(q / sum)
		rem[i] = q % sum
		left -= counts[i]
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(a, b int) bool {
		i, j := idx[a], idx[b]
		if rem[i] != rem[j] {
			return rem[i] > rem[j]
		}
		return weights[i] > weights[j] // stable: earlier listed wins the rest
	})
	for k := 0; k < left; k++ {
		counts[idx[k]]++
	}
	return counts
}

// Assign turns counts (from Apportion) into a relay index per message: the first
// counts[0] messages go to relay 0, the next counts[1] to relay 1, and so on.
// Given messages in ascending id order, a re-run of the same chunk assigns every
// message to the same relay, and each relay gets one contiguous id range (full
// provider batches, readable logs).
//
// Apportioning per chunk is exact per chunk; over a campaign the shares drift by
// at most one message per relay per chunk, and not at all when the chunk size is a
// multiple of the weights' sum divided by their greatest common divisor (70/30 with
// chunks of 10,000).
func Assign(counts []int) []int {
	n := 0
	for _, c := range counts {
		if c > 0 {
			n += c
		}
	}
	out := make([]int, 0, n)
	for i, c := range counts {
		for k := 0; k < c; k++ {
			out = append(out, i)
		}
	}
	return out
}
