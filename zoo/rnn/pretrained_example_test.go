package rnn_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/zoo/rnn"
)

// Sample 60 characters of the Opticks from the prebuilt model, which carries the text's
// vocabulary: the same seed gives the same text.
func ExamplePretrained() {
	m, _, _ := rnn.Pretrained()
	text, _ := m.Sample("The ", 60, 0.8, 1)
	fmt.Printf("The %s\n", text)
	// Output:
	// The Skncident Paper which was more four in a continual Speculum
}
