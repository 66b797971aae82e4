package optim_test

import (
	"fmt"
	"log"

	"github.com/gorgonia-zoo/modelzoo/train/optim"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Minimise Σ w² with Adam, with a warm-up schedule and gradient clipping.
func Example() {
	g := gorgonia.NewGraph()
	w := gorgonia.NewVector(g, tensor.Float64, gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithBacking([]float64{1, -2}))))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.Square(w))))
	if _, err := gorgonia.Grad(loss, w); err != nil {
		log.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(w))
	defer vm.Close()

	solver, err := optim.New("adam", optim.Options{LR: 0.1})
	if err != nil {
		log.Fatal(err)
	}
	sched, err := optim.ParseSchedule("warmup:2,cosine", 100)
	if err != nil {
		log.Fatal(err)
	}
	params := gorgonia.NodesToValueGrads(gorgonia.Nodes{w})
	for step := 0; step < 100; step++ {
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		if _, err := optim.ClipGlobalNorm(params, 1.0); err != nil {
			log.Fatal(err)
		}
		solver.SetLearnRate(0.1 * sched.Factor(step))
		if err := solver.Step(params); err != nil { // updates w and zeroes its gradient
			log.Fatal(err)
		}
		vm.Reset()
	}
	fmt.Printf("%s after %d steps: w = [%.3f %.3f], lr = %.3f\n",
		solver.Name(), solver.State().Steps, w.Value().Data().([]float64)[0], w.Value().Data().([]float64)[1], solver.LearnRate())
	// Output:
	// adam after 100 steps: w = [-0.003 0.001], lr = 0.000
}

// A solver's state can be saved and restored to continue training exactly.
func ExampleSolver_State() {
	w := tensor.New(tensor.WithBacking([]float32{1, 2, 3}))
	grad := tensor.New(tensor.WithBacking([]float32{0.5, 0.5, 0.5}))
	params := []gorgonia.ValueGrad{param{w, grad}}

	a, _ := optim.New("momentum", optim.Options{LR: 0.1})
	_ = a.Step(params)
	saved := a.State()

	b, _ := optim.New("momentum", optim.Options{LR: 0.1})
	if err := b.SetState(saved); err != nil {
		log.Fatal(err)
	}
	fmt.Println(saved.Steps, saved.Slots["momentum_buffer"][0].Data())
	// Output:
	// 1 [0.5 0.5 0.5]
}

// param is a minimal gorgonia.ValueGrad.
type param struct{ v, g *tensor.Dense }

func (p param) Value() gorgonia.Value         { return p.v }
func (p param) Grad() (gorgonia.Value, error) { return p.g, nil }
