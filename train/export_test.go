package train

import "io"

// SetCheckpointHook sets the hook called after each stage of a save and returns the function
// that removes it.
func SetCheckpointHook(h func(stage string) error) func() {
	checkpointHook = h
	return func() { checkpointHook = nil }
}

// SetWrapWriter sets the wrapper of every checkpoint file's writer and returns the function that
// removes it.
func SetWrapWriter(w func(io.Writer) io.Writer) func() {
	wrapWriter = w
	return func() { wrapWriter = nil }
}
