package api

// same is listPage's show for items answered as they are.
func same[T any](x T) T { return x }
