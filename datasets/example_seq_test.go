package datasets_test

import (
	"fmt"

	"github.com/gorgonia-zoo/modelzoo/datasets"
)

func ExampleWindows() {
	text, err := datasets.NewText("toy", []byte("hello, world"))
	if err != nil {
		panic(err)
	}
	fmt.Println(text.Vocab.Size(), "symbols:", text.Vocab.Symbols())
	// Non-overlapping windows of 4 tokens, each with the next 4 tokens as targets.
	w, err := datasets.Windows(text.Tokens, text.Vocab, 4, 4)
	if err != nil {
		panic(err)
	}
	b := datasets.All(w)
	for i := 0; i < b.N; i++ {
		in, _ := text.Decode(b.Tokens[i*b.T : (i+1)*b.T])
		out, _ := text.Decode(b.Targets[i*b.T : (i+1)*b.T])
		fmt.Printf("%q -> %q\n", in, out)
	}
	// Output:
	// 9 symbols: [  , d e h l o r w]
	// "hell" -> "ello"
	// "o, w" -> ", wo"
}

func ExampleOpticks() {
	text, err := datasets.Opticks()
	if err != nil {
		fmt.Println(err)
		return
	}
	train, valid := text.Split(datasets.TextTrainFrac)
	w, _ := datasets.Windows(valid, text.Vocab, 64, 64)
	fmt.Println(len(text.Tokens), "bytes,", text.Vocab.Size(), "symbols")
	fmt.Println(len(train), "training bytes,", len(valid), "validation bytes in", w.Len(), "windows")
	// Output:
	// 567198 bytes, 93 symbols
	// 510478 training bytes, 56720 validation bytes in 886 windows
}
