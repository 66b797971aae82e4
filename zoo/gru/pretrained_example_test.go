package gru_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/zoo/gru"
)

// Sample 60 characters of the Opticks from the prebuilt model, which carries the text's
// vocabulary: the same seed gives the same text.
func ExamplePretrained() {
	m, _, _ := gru.Pretrained()
	text, _ := m.Sample("The ", 60, 0.8, 1)
	fmt.Printf("The %s\n", text)
	// Output:
	// The Paper with a Prism and other end or
	// less lost so more expres
}
