//go:build unix

package transformers_test

import "syscall"

// evictBuffer is mapped outside the Go heap, so that it changes neither
// the garbage collector's pacing nor the heap figures of the benchmarks.
func evictBuffer(size int) []byte {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, size)
	}
	return b
}
