package suggest

import "strings"

// Suggest returns the name in names nearest to s when s looks like a typo
// of it (edit distance at most 2, or a third of the length) or an
// abbreviation (a prefix of at least 3 letters), or "".
func Suggest(s string, names []string) string {
	if len(s) >= 3 {
		for _, n := range names {
			if strings.HasPrefix(strings.ToLower(n), strings.ToLower(s)) {
				return n
			}
		}
	}
	best, bestD := "", max(2, len(s)/3)+1
	for _, n := range names {
		if d := EditDistance(strings.ToLower(s), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance of a and b. Past 64 bytes it
// is not computed: the length of the longer string is returned (an upper
// bound that no suggestion threshold accepts), so a hint costs little on
// any input.
func EditDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Article returns "an" before a word that starts with a vowel letter and
// "a" otherwise, for hints that name a type: "an integer", "a string".
func Article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
