package generators

import "github.com/kurator-scenario/scenario-fn/internal/suggest"

// Suggest returns the name in names nearest to s when s looks like a typo
// of it (edit distance at most 2, or a third of the length) or an
// abbreviation (a prefix of at least 3 letters), or "".
func Suggest(s string, names []string) string { return suggest.Suggest(s, names) }
