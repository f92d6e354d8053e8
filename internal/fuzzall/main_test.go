package main

import "testing"

func TestDeadlineOnly(t *testing.T) {
	for _, c := range []struct {
		name, out string
		want      bool
	}{
		{"coordinator race (CI, Go 1.26.8)", "fuzz: elapsed: 11s, execs: 34605 (0/sec), new interesting: 14 (total: 213)\n--- FAIL: FuzzConfig (11.02s)\n    context deadline exceeded\nFAIL\nexit status 1\n", true},
		{"a crasher", "--- FAIL: FuzzConfig (0.10s)\n    --- FAIL: FuzzConfig (0.00s)\n        fuzz_test.go:122: rewritten again\n    \n    Failing input written to testdata/fuzz/FuzzConfig/abc\nFAIL\n", false},
		{"deadline plus a message", "--- FAIL: FuzzConfig (11.02s)\n    fuzz_test.go:9: boom\n    context deadline exceeded\nFAIL\n", false},
		{"another target's failure", "--- FAIL: FuzzProcess (11.02s)\n    context deadline exceeded\n", false},
		{"build failure", "# pkg\n./x.go:1: syntax error\nFAIL\n", false},
	} {
		if got := deadlineOnly(c.out, "FuzzConfig"); got != c.want {
			t.Errorf("%s: deadlineOnly = %v, want %v", c.name, got, c.want)
		}
	}
}
