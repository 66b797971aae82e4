package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestScheduleValues(t *testing.T) {
	cases := []struct {
		s    Schedule
		step int
		want float64
	}{
		{Constant{}, 0, 1},
		{Constant{}, 12345, 1},
		{StepDecay{Every: 1000, Gamma: 0.5}, 0, 1},
		{StepDecay{Every: 1000, Gamma: 0.5}, 999, 1},
		{StepDecay{Every: 1000, Gamma: 0.5}, 1000, 0.5},
		{StepDecay{Every: 1000, Gamma: 0.5}, 2500, 0.25}, // ⌊2500/1000⌋ = 2 ⇒ 0.5²
		{Cosine{Total: 100}, 0, 1},
		{Cosine{Total: 100}, 50, 0.5},                    // (1 + cos(π/2))/2
		{Cosine{Total: 100}, 25, (1 + math.Sqrt2/2) / 2}, // (1 + cos(π/4))/2 ≈ 0.853553
		{Cosine{Total: 100}, 100, 0},
		{Cosine{Total: 100}, 150, 0},
		{Cosine{Total: 100, Floor: 0.1}, 50, 0.55}, // 0.1 + 0.9·0.5
		{Cosine{Total: 100, Floor: 0.1}, 200, 0.1},
		{Warmup{Steps: 4, Then: Constant{}}, 0, 0.25}, // (0+1)/4
		{Warmup{Steps: 4, Then: Constant{}}, 2, 0.75},
		{Warmup{Steps: 4, Then: Constant{}}, 3, 1},
		{Warmup{Steps: 4}, 10, 1},
		{Warmup{Steps: 4, Then: Cosine{Total: 10}}, 4, 1},     // cosine step 0
		{Warmup{Steps: 4, Then: Cosine{Total: 10}}, 9, 0.5},   // cosine step 5 of 10
		{Warmup{Steps: 4, Then: Cosine{Total: 10}}, 14, 0},    // cosine step 10
		{Warmup{Steps: 4, Then: Cosine{Total: 10}}, -3, 0.25}, // negative ⇒ 0
	}
	for _, c := range cases {
		if got := c.s.Factor(c.step); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%v.Factor(%d) = %v, want %v", c.s, c.step, got, c.want)
		}
	}
}

func TestParseSchedule(t *testing.T) {
	cases := []struct {
		spec  string
		total int
		want  Schedule
	}{
		{"", 0, Constant{}},
		{"constant", 0, Constant{}},
		{" Constant ", 0, Constant{}},
		{"step:1000:0.5", 0, StepDecay{Every: 1000, Gamma: 0.5}},
		{"cosine", 500, Cosine{Total: 500}},
		{"cosine:0.1", 500, Cosine{Total: 500, Floor: 0.1}},
		{"warmup:100", 0, Warmup{Steps: 100, Then: Constant{}}},
		{"warmup:100,cosine", 1000, Warmup{Steps: 100, Then: Cosine{Total: 900}}},
		{"warmup:10, step:5:0.1", 0, Warmup{Steps: 10, Then: StepDecay{Every: 5, Gamma: 0.1}}},
	}
	for _, c := range cases {
		got, err := ParseSchedule(c.spec, c.total)
		if err != nil {
			t.Errorf("ParseSchedule(%q, %d): %v", c.spec, c.total, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseSchedule(%q, %d) = %#v, want %#v", c.spec, c.total, got, c.want)
		}
		// The String form parses back to the same schedule.
		if str, ok := got.(fmt.Stringer); ok && c.spec != "" {
			again, err := ParseSchedule(str.String(), c.total)
			if err != nil || again != got {
				t.Errorf("ParseSchedule(%q) = %#v, %v; want %#v", str.String(), again, err, got)
			}
		}
	}
}

func TestParseScheduleErrors(t *testing.T) {
	cases := []struct {
		spec  string
		total int
		part  string // must appear in the message, besides the spec
	}{
		{"linear", 100, `"linear"`},
		{"step:0:0.5", 100, `step size "0"`},
		{"step:10", 100, `"step:10"`},
		{"step:10:x", 100, `gamma "x"`},
		{"step:10:-1", 100, `gamma "-1"`},
		{"warmup:0", 100, `warm-up steps "0"`},
		{"warmup:abc,cosine", 100, `warm-up steps "abc"`},
		{"warmup", 100, `"warmup"`},
		{"warmup:10,warmup:5", 100, "warmup may only come first"},
		{"cosine,step:1:1", 100, `part "cosine"`},
		{"warmup:1,cosine,constant", 100, "at most two parts"},
		{"cosine", 0, "total 0"},
		{"warmup:100,cosine", 100, "total 100, warm-up 100"},
		{"cosine:2", 100, `floor "2"`},
		{"constant:1", 100, "constant takes no arguments"},
	}
	for _, c := range cases {
		s, err := ParseSchedule(c.spec, c.total)
		if err == nil {
			t.Errorf("ParseSchedule(%q, %d) = %v, want an error", c.spec, c.total, s)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, fmt.Sprintf("%q", c.spec)) || !strings.Contains(msg, c.part) {
			t.Errorf("ParseSchedule(%q, %d) error %q does not name the spec and %s", c.spec, c.total, msg, c.part)
		}
	}
}
