package config

import (
	"slices"
	"strings"
)

// suggest proposes the closest known name for a misspelt one ("did you mean ...?"), or lists
// the known names when none is close.
func suggest(got string, known []string) string {
	if best, ok := closest(got, known); ok {
		return `did you mean "` + best + `"?`
	}
	return "known: " + strings.Join(sorted(known), ", ")
}

// closest returns the known name nearest to got, if it is near enough to be a typo: within
// a third of its length in edits (at least one), case-insensitively.
func closest(got string, known []string) (string, bool) {
	best, bestD := "", -1
	g := strings.ToLower(got)
	for _, k := range known {
		d := distance(g, strings.ToLower(k))
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	limit := max(1, len(got)/3)
	return best, bestD >= 0 && bestD <= limit
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// distance is the Levenshtein edit distance, with adjacent transpositions counted as one edit
// (the commonest typo: "audeinces").
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return max(len(a), len(b)) // long strings are never typos of a field name
	}
	prev2 := make([]int, len(b)+1)
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
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
