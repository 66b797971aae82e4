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

func ExampleLoadText() {
	path, err := datasets.OpticksPath()
	if err != nil {
		fmt.Println(err)
		return
	}
	text, err := datasets.LoadText(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	train, valid := text.Split(datasets.TextTrainFrac)
	w, _ := datasets.Windows(valid, text.Vocab, 64, 64)
	fmt.Println(text.Name+":", len(text.Tokens), "bytes,", text.Vocab.Size(), "symbols")
	fmt.Println(len(train), "training bytes,", len(valid), "validation bytes in", w.Len(), "windows")
	// Output:
	// Isaac.Newton-Opticks.txt: 567198 bytes, 93 symbols
	// 510478 training bytes, 56720 validation bytes in 886 windows
}

func ExampleAdding() {
	ds, err := datasets.Adding(20000, 50, 1)
	if err != nil {
		panic(err)
	}
	b := datasets.All(ds)
	mse := 0.0
	for _, y := range b.Y {
		mse += (y - 1) * (y - 1)
	}
	fmt.Println("X holds N×T×Dim =", b.N, "×", b.T, "×", b.Dim, "values:", len(b.X))
	fmt.Printf("predicting 1: MSE %.3f, 1/6 = %.3f\n", mse/float64(b.N), datasets.AddingBaselineMSE)
	// Output:
	// X holds N×T×Dim = 20000 × 50 × 2 values: 2000000
	// predicting 1: MSE 0.164, 1/6 = 0.167
}

func ExampleCopyMemory() {
	ds, err := datasets.CopyMemory(1, 3, 4, 1)
	if err != nil {
		panic(err)
	}
	b := datasets.All(ds)
	in, _ := ds.Info().Vocab.Decode(b.Tokens)
	out, _ := ds.Info().TgtVocab.Decode(b.Targets)
	fmt.Println(in)
	fmt.Println(out)
	fmt.Printf("memoryless loss %.4f nats/step\n", datasets.CopyBaseline(3, 4))
	// Output:
	// [5 3 8 _ _ _ : _ _ _]
	// [_ _ _ _ _ _ _ 5 3 8]
	// memoryless loss 0.6238 nats/step
}

func ExampleDates() {
	test, err := datasets.Dates(1000, 100, datasets.DateOptions{})
	if err != nil {
		panic(err)
	}
	// Training dates never repeat a test date.
	train, err := datasets.Dates(1<<30, 1, datasets.DateOptions{Exclude: test})
	if err != nil {
		panic(err)
	}
	for i := 0; i < 3; i++ {
		_, src, iso := train.Example(i)
		fmt.Printf("%q -> %q\n", src, iso)
	}
	b := train.Batch([]int{0})
	fmt.Println("Tgt:  ", b.Tgt)
	fmt.Println("TgtIn:", b.TgtIn)
	// Output:
	// "26 February 1990" -> "1990-02-26"
	// "Sep 14, 1999" -> "1999-09-14"
	// "16.12.2024" -> "2024-12-16"
	// Tgt:   [1 9 9 0 10 0 2 10 2 6 12]
	// TgtIn: [11 1 9 9 0 10 0 2 10 2 6]
}
