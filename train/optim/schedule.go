package optim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// Schedule gives the learning rate as a multiple of the base learning rate.
// step is the number of optimiser steps already taken, so Factor(0) applies
// to the first update; a negative step is treated as 0. A training loop calls
// solver.SetLearnRate(baseLR * schedule.Factor(step)) before each Step.
type Schedule interface {
	Factor(step int) float64
}

// Constant keeps the base learning rate: Factor is always 1.
type Constant struct{}

// Factor implements Schedule.
func (Constant) Factor(int) float64 { return 1 }

// String returns the spec ParseSchedule reads back.
func (Constant) String() string { return "constant" }

// StepDecay multiplies the learning rate by Gamma every Every steps, like
// torch.optim.lr_scheduler.StepLR: Factor(step) = Gamma^⌊step/Every⌋.
type StepDecay struct {
	Every int     // steps between decays, > 0
	Gamma float64 // multiplier applied at each decay
}

// Factor implements Schedule. A non-positive Every means no decay.
func (s StepDecay) Factor(step int) float64 {
	if s.Every <= 0 || step < 0 {
		return 1
	}
	return math.Pow(s.Gamma, float64(step/s.Every))
}

// String returns the spec ParseSchedule reads back.
func (s StepDecay) String() string {
	return "step:" + strconv.Itoa(s.Every) + ":" + strconv.FormatFloat(s.Gamma, 'g', -1, 64)
}

// EpochDecay keeps the base learning rate for the first After epochs and then multiplies it by
// Gamma at the start of every later epoch, an epoch being PerEpoch steps:
//
//	Factor(step) = Gamma^max(0, ⌊step/PerEpoch⌋ + 1 − After)
//
// The "small" and "medium" LSTMs of Zaremba et al. 2014 use After 4 and Gamma 0.5 (the learning
// rate halved each epoch after the 4th: epochs 1–4 at lr, epoch 5 at lr/2, epoch 13 at lr/512),
// the rule lr·decay^max(i+1−max_epoch, 0) of their code, i counting epochs from 0.
type EpochDecay struct {
	PerEpoch int     // steps of one epoch, > 0
	After    int     // epochs at the base rate, ≥ 0
	Gamma    float64 // multiplier applied at the start of each later epoch
}

// Factor implements Schedule. A non-positive PerEpoch means no decay.
func (e EpochDecay) Factor(step int) float64 {
	if e.PerEpoch <= 0 || step < 0 {
		return 1
	}
	return math.Pow(e.Gamma, float64(max(0, step/e.PerEpoch+1-e.After)))
}

// String returns the spec ParseScheduleEpochs reads back (the steps per epoch come from its
// stepsPerEpoch, so they are not part of the spec).
func (e EpochDecay) String() string {
	if e.After == 4 && e.Gamma == 0.5 {
		return "zaremba"
	}
	return "epochdecay:" + strconv.Itoa(e.After) + ":" + strconv.FormatFloat(e.Gamma, 'g', -1, 64)
}

// Cosine anneals the learning rate from the base value to Floor times the
// base value over Total steps along half a cosine, like
// torch.optim.lr_scheduler.CosineAnnealingLR with eta_min = Floor·lr:
//
//	Factor(step) = Floor + (1 − Floor)·(1 + cos(π·step/Total))/2
//
// for 0 ≤ step ≤ Total, and Floor after Total.
type Cosine struct {
	Total int     // steps from the base rate to the floor, > 0
	Floor float64 // final multiplier, usually in [0, 1)
}

// Factor implements Schedule. A non-positive Total gives Floor throughout.
func (c Cosine) Factor(step int) float64 {
	if step < 0 {
		step = 0
	}
	if c.Total <= 0 || step >= c.Total {
		return c.Floor
	}
	return c.Floor + (1-c.Floor)*(1+math.Cos(math.Pi*float64(step)/float64(c.Total)))/2
}

// String returns the spec ParseSchedule reads back (the total comes from
// ParseSchedule's totalSteps, so it is not part of the spec).
func (c Cosine) String() string {
	if c.Floor == 0 {
		return "cosine"
	}
	return "cosine:" + strconv.FormatFloat(c.Floor, 'g', -1, 64)
}

// Warmup raises the learning rate linearly over the first Steps steps and
// then hands over to Then, which sees the step count from the end of the
// warm-up:
//
//	Factor(step) = (step+1)/Steps         for step < Steps
//	Factor(step) = Then.Factor(step−Steps) otherwise
//
// The first step therefore uses lr/Steps rather than zero, and step Steps−1
// reaches the full rate. A nil Then means Constant.
type Warmup struct {
	Steps int      // steps of the linear warm-up
	Then  Schedule // the schedule after it, counted from its end; nil means Constant
}

// Factor implements Schedule.
func (w Warmup) Factor(step int) float64 {
	if step < 0 {
		step = 0
	}
	if step < w.Steps {
		return float64(step+1) / float64(w.Steps)
	}
	if w.Then == nil {
		return 1
	}
	return w.Then.Factor(step - max(w.Steps, 0))
}

// String returns the spec ParseSchedule reads back.
func (w Warmup) String() string {
	s := "warmup:" + strconv.Itoa(w.Steps)
	if w.Then == nil {
		return s
	}
	if _, ok := w.Then.(Constant); ok {
		return s
	}
	return s + "," + fmt.Sprint(w.Then)
}

// ParseSchedule reads a schedule from a command-line spec. totalSteps is the
// length of the training run, needed by "cosine". The forms are
//
//	constant             Constant
//	step:N:G             StepDecay{Every: N, Gamma: G}
//	cosine               Cosine{Total: totalSteps} down to 0
//	cosine:F             Cosine{Total: totalSteps, Floor: F}
//	warmup:N             N linear warm-up steps, then constant
//	warmup:N,SPEC        N linear warm-up steps, then SPEC (one of the above);
//	                     a cosine then runs over totalSteps − N steps
//
// An empty spec means "constant". A malformed spec gives an error naming the
// spec and the part that is wrong. The schedules by epoch need the steps of an
// epoch: see ParseScheduleEpochs.
func ParseSchedule(spec string, totalSteps int) (Schedule, error) {
	return ParseScheduleEpochs(spec, totalSteps, 0)
}

// ParseScheduleEpochs is ParseSchedule for a run of stepsPerEpoch steps per
// epoch, which also reads the schedules by epoch:
//
//	epochdecay:N:G       EpochDecay{After: N, Gamma: G}: N epochs at the base
//	                     rate, then multiplied by G at each later epoch
//	zaremba              epochdecay:4:0.5, the schedule of Zaremba et al. 2014
//
// after a warm-up, an epoch schedule counts its epochs from the end of the
// warm-up. A schedule by epoch with stepsPerEpoch ≤ 0 is an error.
func ParseScheduleEpochs(spec string, totalSteps, stepsPerEpoch int) (Schedule, error) {
	s := strings.ToLower(strings.TrimSpace(spec))
	if s == "" {
		return Constant{}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 2 {
		return nil, errors.Errorf("optim: schedule %q: at most two parts (warmup:N,SCHEDULE), got %d", spec, len(parts))
	}
	warm := 0
	if len(parts) == 2 || strings.HasPrefix(parts[0], "warmup") {
		p := strings.TrimSpace(parts[0])
		f := strings.Split(p, ":")
		if f[0] != "warmup" {
			return nil, errors.Errorf("optim: schedule %q: part %q: only warmup:N may come before a comma", spec, p)
		}
		if len(f) != 2 {
			return nil, errors.Errorf("optim: schedule %q: part %q: want warmup:N", spec, p)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n <= 0 {
			return nil, errors.Errorf("optim: schedule %q: part %q: warm-up steps %q must be a positive integer", spec, p, f[1])
		}
		warm = n
		if len(parts) == 1 {
			return Warmup{Steps: warm, Then: Constant{}}, nil
		}
		parts = parts[1:]
	}
	then, err := parseOne(spec, strings.TrimSpace(parts[0]), totalSteps-warm, warm, stepsPerEpoch)
	if err != nil {
		return nil, err
	}
	if warm > 0 {
		return Warmup{Steps: warm, Then: then}, nil
	}
	return then, nil
}

// parseOne reads one schedule that is not a warm-up; total is the number of
// steps it covers, perEpoch the steps of an epoch (0 when unknown).
func parseOne(spec, p string, total, warm, perEpoch int) (Schedule, error) {
	f := strings.Split(p, ":")
	switch f[0] {
	case "zaremba", "epochdecay":
		e := EpochDecay{PerEpoch: perEpoch, After: 4, Gamma: 0.5}
		switch {
		case f[0] == "zaremba" && len(f) != 1:
			return nil, errors.Errorf("optim: schedule %q: part %q: zaremba takes no arguments", spec, p)
		case f[0] == "epochdecay" && len(f) != 3:
			return nil, errors.Errorf("optim: schedule %q: part %q: want epochdecay:EPOCHS:GAMMA", spec, p)
		case f[0] == "epochdecay":
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 0 {
				return nil, errors.Errorf("optim: schedule %q: part %q: epochs %q must be an integer ≥ 0", spec, p, f[1])
			}
			g, err := strconv.ParseFloat(f[2], 64)
			if err != nil || !(g > 0) || math.IsInf(g, 0) {
				return nil, errors.Errorf("optim: schedule %q: part %q: gamma %q must be a positive number", spec, p, f[2])
			}
			e.After, e.Gamma = n, g
		}
		if perEpoch <= 0 {
			return nil, errors.Errorf("optim: schedule %q: part %q: a schedule by epoch needs the steps of an epoch (ParseScheduleEpochs)", spec, p)
		}
		return e, nil
	case "constant":
		if len(f) != 1 {
			return nil, errors.Errorf("optim: schedule %q: part %q: constant takes no arguments", spec, p)
		}
		return Constant{}, nil
	case "step":
		if len(f) != 3 {
			return nil, errors.Errorf("optim: schedule %q: part %q: want step:N:GAMMA", spec, p)
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n <= 0 {
			return nil, errors.Errorf("optim: schedule %q: part %q: step size %q must be a positive integer", spec, p, f[1])
		}
		g, err := strconv.ParseFloat(f[2], 64)
		if err != nil || !(g > 0) || math.IsInf(g, 0) {
			return nil, errors.Errorf("optim: schedule %q: part %q: gamma %q must be a positive number", spec, p, f[2])
		}
		return StepDecay{Every: n, Gamma: g}, nil
	case "cosine":
		if len(f) > 2 {
			return nil, errors.Errorf("optim: schedule %q: part %q: want cosine or cosine:FLOOR", spec, p)
		}
		floor := 0.0
		if len(f) == 2 {
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil || v < 0 || v > 1 {
				return nil, errors.Errorf("optim: schedule %q: part %q: floor %q must be a number in [0, 1]", spec, p, f[1])
			}
			floor = v
		}
		if total <= 0 {
			return nil, errors.Errorf("optim: schedule %q: part %q: cosine needs more total steps than warm-up steps (total %d, warm-up %d)",
				spec, p, total+warm, warm)
		}
		return Cosine{Total: total, Floor: floor}, nil
	case "warmup":
		return nil, errors.Errorf("optim: schedule %q: part %q: warmup may only come first", spec, p)
	default:
		return nil, errors.Errorf("optim: schedule %q: unknown schedule %q; want constant, step:N:GAMMA, cosine[:FLOOR], epochdecay:EPOCHS:GAMMA, zaremba or warmup:N[,SCHEDULE]", spec, p)
	}
}
