package compare_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/compare"
)

// A cluster task runs one shard of an experiment's runs: run k belongs to shard k mod n.
func ExampleParseShard() {
	s, err := compare.ParseShard("1/3")
	if err != nil {
		fmt.Println(err)
		return
	}
	for k := 0; k < 8; k++ {
		if s.Has(k) {
			fmt.Print(" ", k)
		}
	}
	fmt.Println()
	_, err = compare.ParseShard("3/3")
	fmt.Println(err)
	// Output:
	//  1 4 7
	// compare.ParseShard(s) "3/3": want i/n with 0 ≤ i < n
}

// Every experiment of the report, in the lecture's order.
func ExampleNames() {
	for _, n := range compare.Names() {
		e, _ := compare.Lookup(n)
		fmt.Println(n, e.Pending != "")
	}
	// Output:
	// vanishing false
	// forget-bias false
	// optimizers false
	// batchnorm false
	// clipping false
	// residual false
	// dropout false
	// attention false
	// lstm-vs-gru false
}

// Every number in the result files is written the same way.
func ExampleFormatFloat() {
	fmt.Println(compare.FormatFloat(0.16312345), compare.FormatFloat(2000), compare.FormatFloat(1.5e-9))
	// Output: 0.163123 2000 1.5e-09
}
