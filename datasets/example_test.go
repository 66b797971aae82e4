package datasets_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
)

func ExampleSpirals() {
	ds := datasets.Spirals(300, datasets.SpiralsNoise, 1)
	counts := make([]int, ds.Info().Classes)
	for _, l := range datasets.All(ds).Labels {
		counts[l]++
	}
	fmt.Println(ds.Info().Name, ds.Len(), "points in", ds.Info().Dim, "dimensions")
	fmt.Println("per class:", counts)
	// Output:
	// spirals 300 points in 2 dimensions
	// per class: [100 100 100]
}

func ExampleEpoch() {
	// Training: shuffled, and the short last batch dropped.
	rng := rand.New(rand.NewPCG(1, 0))
	fmt.Println(len(datasets.Epoch(10, 4, rng, true)), "training batches")
	// Evaluation: in order, every example once.
	fmt.Println(datasets.Epoch(10, 4, nil, false))
	// Output:
	// 2 training batches
	// [[0 1 2 3] [4 5 6 7] [8 9]]
}

func ExampleSplit() {
	ds := datasets.Housing(1000, 7)
	parts, err := datasets.Split(ds, rand.New(rand.NewPCG(7, 0)), 0.8, 0.1, 0.1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(parts[0].Len(), parts[1].Len(), parts[2].Len())
	fmt.Printf("noise floor %.4f\n", ds.Info().NoiseVar)
	// Output:
	// 800 100 100
	// noise floor 0.0625
}

func ExampleReadCSV() {
	text := "area,rooms,kind\n0.5,3,flat\n1.2,5,house\nabc,2,flat\n"
	_, err := datasets.ReadCSV(strings.NewReader(text), "homes.csv", "kind", datasets.Classification)
	fmt.Println(err)

	tab, _ := datasets.ReadCSV(strings.NewReader(text[:strings.LastIndex(text, "abc")]), "homes.csv", "kind", datasets.Classification)
	fmt.Println(tab.Len(), "rows, classes", tab.ClassNames(), "labels", datasets.All(tab).Labels)
	// Output:
	// homes.csv:4: column "area": parse "abc": not a number
	// 2 rows, classes [flat house] labels [0 1]
}
