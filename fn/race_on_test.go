//go:build race

package fn_test

// raceDetector: the race detector slows byte-by-byte parsing some 20
// times, so size-driven cases use smaller inputs under it; their linearity
// is checked by the ordinary test run.
const raceDetector = true
