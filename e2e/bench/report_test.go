package bench

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	rows := []Row{
		{Group: "baseline", Name: "no-op", Ns: 5000, Ratio: 1},
		{Group: "fresh", Name: "RS256 <fresh>", Ns: 1234567, Ratio: 246.9, Note: "1.05x bare"},
		{Group: "native", Name: "HS256", Ns: 900, Ratio: 0.18},
	}
	md := Markdown(rows)
	for _, want := range []string{"| fresh | RS256 <fresh> | 1,234,567 | 246.90 | 1.05x bare |", "| native | HS256 | 900 | 0.18 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
	svg := SVG(rows, "title & more")
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("chart is not well-formed XML: %v", err)
	}
	if strings.Count(svg, "<rect") != len(rows)+1 {
		t.Errorf("want one bar per row plus the background")
	}
}
