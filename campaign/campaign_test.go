package campaign

import "testing"

// A full chunk splits exactly by the routing's weights: its size is a multiple
// of their sum, unless the sum is unknown (0) or exceeds the size.
func TestChunkSizeIsAMultipleOfTheWeights(t *testing.T) {
	for _, tc := range []struct{ size, weights, want int }{
		{200, 0, 200},
		{200, 3, 198},
		{200, 7, 196},
		{200, 200, 200},
		{200, 201, 200},
		{10000, 1, 10000},
	} {
		if got := ChunkSize(tc.size, tc.weights); got != tc.want {
			t.Errorf("ChunkSize(%d, %d) = %d, want %d", tc.size, tc.weights, got, tc.want)
		}
	}
}
