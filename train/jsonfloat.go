package train

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/pkg/errors"
)

// jsonFloat is a float64 that JSON can always hold: finite values are numbers as encoding/json
// writes them, NaN and ±Inf the strings "NaN", "+Inf" and "-Inf" (JSON has no such numbers, and
// a validation perplexity of +Inf beside a finite loss must not stop a checkpoint or a log line
// from being written).
type jsonFloat float64

// MarshalJSON writes f as a number, or as a string when it is not finite.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads a number or one of the strings MarshalJSON writes.
func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN", "+Inf", "-Inf", "Inf":
			v, _ := strconv.ParseFloat(s, 64)
			*f = jsonFloat(v)
			return nil
		}
		return errors.Errorf("%q is not a number", s)
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}

// MarshalJSON writes the metrics as an object of numbers; a value that is not finite (a
// perplexity that overflowed) is written as a string, see jsonFloat.
func (m Metrics) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	out := make(map[string]jsonFloat, len(m))
	for k, v := range m {
		out[k] = jsonFloat(v)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	var in map[string]jsonFloat
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in == nil {
		*m = nil
		return nil
	}
	*m = make(Metrics, len(in))
	for k, v := range in {
		(*m)[k] = float64(v)
	}
	return nil
}

// recordJSON is Record as JSON, its figures safe when not finite.
type recordJSON struct {
	Step      int       `json:"step"`
	Epoch     jsonFloat `json:"epoch"`
	LR        jsonFloat `json:"lr"`
	TrainLoss jsonFloat `json:"train_loss"`
	GradNorm  jsonFloat `json:"grad_norm"`
	Val       Metrics   `json:"val,omitempty"`
	Elapsed   jsonFloat `json:"elapsed_s"`
}

// MarshalJSON writes the record; figures that are not finite become strings (see jsonFloat).
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(recordJSON{r.Step, jsonFloat(r.Epoch), jsonFloat(r.LR), jsonFloat(r.TrainLoss),
		jsonFloat(r.GradNorm), r.Val, jsonFloat(r.Elapsed)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Record) UnmarshalJSON(b []byte) error {
	var j recordJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Record{Step: j.Step, Epoch: float64(j.Epoch), LR: float64(j.LR), TrainLoss: float64(j.TrainLoss),
		GradNorm: float64(j.GradNorm), Val: j.Val, Elapsed: float64(j.Elapsed)}
	return nil
}
