package bench

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// Chart colours: naive in orange, guarded in blue.
const (
	colNaive = "#dd6b20"
	colGuard = "#2b6cb0"
	colInk   = "#1a202c"
	colGrid  = "#e2e8f0"
	colMuted = "#4a5568"
)

type svg struct{ b strings.Builder }

func (s *svg) f(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func (s *svg) text(x, y float64, anchor, style, text string) {
	s.f(`<text x="%.1f" y="%.1f" text-anchor="%s" %s>%s</text>`+"\n", x, y, anchor, style, html.EscapeString(text))
}

func (s *svg) rect(x, y, w, h float64, fill string) {
	s.f(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", x, y, w, h, fill)
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke string, width float64) {
	s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"/>`+"\n", x1, y1, x2, y2, stroke, width)
}

// niceScale returns an axis maximum at or above max and its tick step,
// with about n ticks of 1, 2, 2.5 or 5 times a power of ten.
func niceScale(max float64, n int) (top, step float64) {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return 1, 0.25
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	return math.Ceil(max/step-1e-9) * step, step
}

func tickLabel(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// bar is one bar of a group.
type bar struct {
	value float64
	label string
	fill  string
}

// panel draws a grouped bar chart in the box (x, y, w, h): one group per
// groups[i], titled title, its axis labelled unit.
type panel struct {
	x, y, w, h float64
	title      string
	unit       string
	groups     []string
	bars       [][]bar // per group
	notes      []string
}

func (s *svg) panel(p panel) {
	maxV := 0.0
	for _, g := range p.bars {
		for _, b := range g {
			maxV = math.Max(maxV, b.value)
		}
	}
	top, step := niceScale(maxV*1.12, 5)
	yOf := func(v float64) float64 { return p.y + p.h - v/top*p.h }
	s.text(p.x+p.w/2, p.y-28, "middle", `font-size="14" font-weight="bold" fill="`+colInk+`"`, p.title)
	for v := 0.0; v <= top+step/2; v += step {
		y := yOf(v)
		s.line(p.x, y, p.x+p.w, y, colGrid, 1)
		s.text(p.x-6, y+4, "end", `font-size="11" fill="`+colMuted+`"`, tickLabel(v))
	}
	s.f(`<text transform="translate(%.1f %.1f) rotate(-90)" text-anchor="middle" font-size="12" fill="%s">%s</text>`+"\n",
		p.x-44, p.y+p.h/2, colMuted, html.EscapeString(p.unit))
	s.line(p.x, p.y+p.h, p.x+p.w, p.y+p.h, colInk, 1.2)
	gw := p.w / float64(len(p.groups))
	for i, name := range p.groups {
		bars := p.bars[i]
		bw := math.Min(46, gw*0.8/float64(len(bars)))
		x0 := p.x + gw*float64(i) + (gw-bw*float64(len(bars)))/2
		for j, b := range bars {
			x := x0 + bw*float64(j)
			y := yOf(b.value)
			s.rect(x+1, y, bw-2, p.y+p.h-y, b.fill)
			s.text(x+bw/2, y-4, "middle", `font-size="10.5" fill="`+colInk+`"`, b.label)
		}
		s.text(p.x+gw*(float64(i)+0.5), p.y+p.h+18, "middle", `font-size="12.5" fill="`+colInk+`"`, name)
		if i < len(p.notes) && p.notes[i] != "" {
			s.text(p.x+gw*(float64(i)+0.5), p.y+p.h+34, "middle", `font-size="11.5" font-weight="bold" fill="`+colGuard+`"`, p.notes[i])
		}
	}
}

func (s *svg) legend(x, y float64, items [][2]string) {
	for _, it := range items {
		s.rect(x, y-10, 12, 12, it[0])
		s.text(x+17, y, "start", `font-size="12" fill="`+colInk+`"`, it[1])
		x += 17 + 7.2*float64(len(it[1])) + 22
	}
}

// ThroughputSVG draws the success-path comparison of res in three panels
// — throughput, p50 latency and p99 latency per concurrency — with the
// naive read-check-write next to the guarded update. subtitle says where it
// was measured.
func ThroughputSVG(res *Results, subtitle string) []byte {
	const width, height = 1000.0, 460.0
	var s svg
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	s.rect(0, 0, width, height, "#ffffff")
	s.text(width/2, 28, "middle", `font-size="18" font-weight="bold" fill="`+colInk+`"`,
		"Guarded update (1 request) vs naive read-check-write (2 requests)")
	s.text(width/2, 48, "middle", `font-size="12" fill="`+colMuted+`"`, subtitle)

	var groups, ratios []string
	var thr, p50, p99 [][]bar
	msBar := func(d time.Duration, fill string) bar {
		v := d.Seconds() * 1000
		label := fmt.Sprintf("%.1f", v)
		if v >= 100 {
			label = fmt.Sprintf("%.0f", v)
		}
		return bar{v, label, fill}
	}
	for _, pair := range pairs(res.Success) {
		naive, guard := pair[0], pair[1]
		groups = append(groups, fmt.Sprintf("c = %d", naive.Concurrency))
		ratios = append(ratios, fmt.Sprintf("%.2f×", ratio(guard.OpsPerSec(), naive.OpsPerSec())))
		thr = append(thr, []bar{
			{naive.OpsPerSec(), fmt.Sprintf("%.0f", naive.OpsPerSec()), colNaive},
			{guard.OpsPerSec(), fmt.Sprintf("%.0f", guard.OpsPerSec()), colGuard},
		})
		p50 = append(p50, []bar{msBar(naive.P50, colNaive), msBar(guard.P50, colGuard)})
		p99 = append(p99, []bar{msBar(naive.P99, colNaive), msBar(guard.P99, colGuard)})
	}
	const top, h, w = 110.0, 250.0, 250.0
	s.panel(panel{x: 70, y: top, w: w, h: h, title: "Throughput (higher is better)",
		unit: "updates per second", groups: groups, bars: thr, notes: ratios})
	s.panel(panel{x: 395, y: top, w: w, h: h, title: "Median latency, p50 (lower is better)",
		unit: "milliseconds", groups: groups, bars: p50})
	s.panel(panel{x: 720, y: top, w: w, h: h, title: "Tail latency, p99 (lower is better)",
		unit: "milliseconds", groups: groups, bars: p99})
	s.text(width/2, top+h+58, "middle", `font-size="12" fill="`+colMuted+`"`,
		"c = concurrent workers, each updating items of its own; blue figures under the throughput bars: ddbguard ÷ naive")
	s.legend(width/2-190, height-20, [][2]string{
		{colNaive, "naive read-check-write"}, {colGuard, "ddbguard (guarded update)"},
	})
	s.f("</svg>\n")
	return []byte(s.b.String())
}

// pairs groups points two by two, as Run records them: the compared
// strategy, then ddbguard, at one concurrency.
func pairs(pts []Point) [][2]Point {
	var out [][2]Point
	for i := 0; i+1 < len(pts); i += 2 {
		out = append(out, [2]Point{pts[i], pts[i+1]})
	}
	return out
}
