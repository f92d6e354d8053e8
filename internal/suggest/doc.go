// Package suggest owns the wording helpers of hints: the name a user
// probably meant, for "did you mean" hints in errors (an edit-distance
// suggester bounded on long input), and the article before a type name.
package suggest
