// Package bench holds the benchmarks of the compiled filter (its _test files, run by
// scripts/bench.sh) and the report they write: a Markdown table and a hand-written SVG chart.
package bench

import (
	"fmt"
	"math"
	"strings"
)

// Row is one line of the table: a per-request (or per-verification) cost and its ratio to
// the no-op module's request.
type Row struct {
	Group string  // "baseline", "filter", "fresh", "rejected", "wasm bare", "native", "scale", "parallel"
	Name  string  // what was measured
	Ns    float64 // nanoseconds per request / verification
	Ratio float64 // Ns / baseline Ns
	Note  string  // e.g. "1.08x bare"
}

// Markdown renders rows as a table.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| group | row | ns/request | x no-op | note |\n|---|---|---:|---:|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %s |\n", r.Group, r.Name, groupDigits(r.Ns), r.Ratio, r.Note)
	}
	return b.String()
}

// groupDigits writes n rounded to an integer with thousands separators.
func groupDigits(n float64) string {
	s := fmt.Sprintf("%d", int64(math.Round(n)))
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// groupColors are the bar colours, one per group (colour-blind safe palette).
var groupColors = map[string]string{
	"baseline": "#999999", "filter": "#0072b2", "fresh": "#e69f00", "rejected": "#d55e00",
	"wasm bare": "#cc79a7", "native": "#009e73", "scale": "#56b4e9", "parallel": "#f0e442",
}

// SVG renders rows as horizontal bars of their ratio on a log scale, labelled with ns and
// ratio. No dependencies: the chart is plain SVG text.
func SVG(rows []Row, title string) string {
	const (
		labelW, barW, rowH, top, right = 330.0, 560.0, 18.0, 48.0, 150.0
	)
	lo, hi := 1.0, 1.0
	for _, r := range rows {
		if r.Ratio > 0 {
			lo, hi = math.Min(lo, r.Ratio), math.Max(hi, r.Ratio)
		}
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	x := func(v float64) float64 {
		return labelW + barW*(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))
	}
	w, h := labelW+barW+right, top+rowH*float64(len(rows))+30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&b, `<text x="10" y="36" fill="#555">cost per request as a multiple of the no-op module (log scale)</text>`+"\n")
	for p := lo; p <= hi*1.0001; p *= 10 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#ddd"/>`+"\n", x(p), top-4, x(p), h-24)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle" fill="#555">%gx</text>`+"\n", x(p), h-10, p)
	}
	for i, r := range rows {
		y := top + rowH*float64(i)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", labelW-6, y+12, esc(r.Group+": "+r.Name))
		if r.Ratio <= 0 {
			continue
		}
		c := groupColors[r.Group]
		if c == "" {
			c = "#333333"
		}
		x0 := x(lo)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.0f" fill="%s"/>`+"\n", x0, y+2, math.Max(x(r.Ratio)-x0, 1), rowH-4, c)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%.2fx (%s ns)</text>`+"\n", x(r.Ratio)+4, y+12, r.Ratio, groupDigits(r.Ns))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
