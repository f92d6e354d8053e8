//go:build !race

package fn_test

const raceDetector = false
