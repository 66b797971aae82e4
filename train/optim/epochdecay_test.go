package optim

import (
	"math"
	"strings"
	"testing"
)

// TestZarembaSchedule: the "small" PTB run of Zaremba et al. 2014, 13 epochs of 2323 steps at
// base rate 1, the rate halved each epoch after the 4th. Worked by hand: epochs 1–4 (steps
// 0…9291) at 1, epoch 5 (steps 9292…11614) at 1/2, epoch 6 at 1/4, …, epoch 13 at 1/2⁹ = 1/512.
func TestZarembaSchedule(t *testing.T) {
	s, err := ParseScheduleEpochs("zaremba", 13*2323, 2323)
	if err != nil {
		t.Fatal(err)
	}
	if want := (EpochDecay{PerEpoch: 2323, After: 4, Gamma: 0.5}); s != want {
		t.Fatalf("zaremba = %#v, want %#v", s, want)
	}
	cases := []struct {
		step int
		want float64
	}{
		{0, 1}, {2322, 1}, {2323, 1}, {9291, 1}, // epochs 1–4
		{9292, 0.5}, {11614, 0.5}, // epoch 5
		{11615, 0.25},            // epoch 6
		{12 * 2323, 1.0 / 512},   // epoch 13, its first step
		{13*2323 - 1, 1.0 / 512}, // its last
		{-5, 1},
	}
	for _, c := range cases {
		if got := s.Factor(c.step); got != c.want {
			t.Errorf("zaremba Factor(%d) = %v, want %v", c.step, got, c.want)
		}
	}
	// The general form: 2 epochs of 10 steps at the base rate, then ×0.1 per epoch.
	e, err := ParseScheduleEpochs("epochdecay:2:0.1", 100, 10)
	if err != nil {
		t.Fatal(err)
	}
	for step, want := range map[int]float64{0: 1, 19: 1, 20: 0.1, 29: 0.1, 30: 0.01, 45: 0.001} {
		if got := e.Factor(step); math.Abs(got-want) > 1e-15 {
			t.Errorf("epochdecay:2:0.1 Factor(%d) = %v, want %v", step, got, want)
		}
	}
	// epochdecay:0:G decays from the first epoch on.
	if got := (EpochDecay{PerEpoch: 10, Gamma: 0.5}).Factor(0); got != 0.5 {
		t.Errorf("After 0: Factor(0) = %v, want 0.5", got)
	}
	// String parses back.
	for _, sc := range []Schedule{s, e} {
		str := sc.(interface{ String() string }).String()
		again, err := ParseScheduleEpochs(str, 100, sc.(EpochDecay).PerEpoch)
		if err != nil || again != sc {
			t.Errorf("%q parses to %#v, %v; want %#v", str, again, err, sc)
		}
	}
	// After a warm-up the epochs count from its end.
	w, err := ParseScheduleEpochs("warmup:5,zaremba", 1000, 10)
	if err != nil || w.Factor(4) != 1 || w.Factor(5+39) != 1 || w.Factor(5+40) != 0.5 {
		t.Errorf("warmup:5,zaremba = %#v, %v", w, err)
	}
}

func TestEpochScheduleErrors(t *testing.T) {
	cases := []struct {
		spec     string
		perEpoch int
		part     string
	}{
		{"zaremba", 0, "needs the steps of an epoch"},
		{"epochdecay:4:0.5", 0, "needs the steps of an epoch"},
		{"zaremba:1", 10, "zaremba takes no arguments"},
		{"epochdecay:4", 10, "want epochdecay:EPOCHS:GAMMA"},
		{"epochdecay:-1:0.5", 10, `epochs "-1"`},
		{"epochdecay:4:0", 10, `gamma "0"`},
	}
	for _, c := range cases {
		s, err := ParseScheduleEpochs(c.spec, 100, c.perEpoch)
		if err == nil || !strings.Contains(err.Error(), c.part) || !strings.Contains(err.Error(), `"`+c.spec+`"`) {
			t.Errorf("ParseScheduleEpochs(%q, 100, %d) = %v, %v; want an error naming %s", c.spec, c.perEpoch, s, err, c.part)
		}
	}
	if _, err := ParseSchedule("zaremba", 100); err == nil {
		t.Error("ParseSchedule(zaremba) without the steps of an epoch: no error")
	}
}
