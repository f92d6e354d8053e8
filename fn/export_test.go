package fn

// SetStreaming turns the streaming path on or off (the differential test
// runs both paths on the same input) and returns the previous setting.
func SetStreaming(on bool) bool {
	old := streaming
	streaming = on
	return old
}

// StreamedRuns counts the runs that took the streaming path.
func StreamedRuns() int64 { return streamedRuns.Load() }
