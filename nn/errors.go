package nn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// FieldError is a value that a configuration field or a function's argument cannot take. Field
// names it in Go terms: a field qualified by its package and type ("train.Config.Batch",
// "transformer.Config.D"), or an argument after its function ("seq2seq.BeamSearch(k)"). A
// program that took the value from somewhere else (the zoo command from a flag, a server from a
// form) finds the field with errors.As and can say where the value came from.
//
// Messages that name a second field (Msg "must divide train.Config.Batch 32") name it the
// same way.
type FieldError struct {
	Field string // the field or argument, as above
	Value any    // the value it holds; nil when the message needs none
	Msg   string // what is wrong with the value; empty when Err says it
	Err   error  // the cause, when another function judged the value; nil otherwise
}

// Error is "FIELD VALUE: MSG: ERR", the value quoted when it is a string, each part only when it
// is set.
func (e *FieldError) Error() string {
	s := e.Field
	switch v := e.Value.(type) {
	case nil:
	case string:
		s += fmt.Sprintf(" %q", v)
	default:
		s += fmt.Sprintf(" %v", v)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause, so errors.Is and errors.As see through a FieldError.
func (e *FieldError) Unwrap() error { return e.Err }

// BadField returns a *FieldError: field holds value, and the message, formatted as fmt.Sprintf
// does, says what is wrong with it.
//
//	return nn.BadField("transformer.Config.D", c.D, "must be positive") // transformer.Config.D 0: must be positive
func BadField(field string, value any, format string, args ...any) error {
	return &FieldError{Field: field, Value: value, Msg: fmt.Sprintf(format, args...)}
}

// WrapField returns err as the cause of a *FieldError of field and value, or nil when err is nil.
func WrapField(err error, field string, value any) error {
	if err == nil {
		return nil
	}
	return &FieldError{Field: field, Value: value, Err: err}
}

// Chain threads the first error through a sequence of graph operations, so that a formula reads as
// one expression and its errors are checked once:
//
//	var c nn.Chain
//	y := c.Do(G.Add(c.Do(G.Mul(x, w)), b))
//	if c.Err != nil { … }
//
// Do returns the node while no operation has failed, and nil from the first error on. The
// arguments of every operation are still evaluated, and Gorgonia's operations dereference their
// operands, so an operation handed the nil of an earlier failure panics: Chain suits formulas
// whose operands' shapes were checked before they were built, where an error would be a bug.
type Chain struct {
	Err error // the first error of the sequence; nil while every operation has succeeded
}

// Do returns n, recording err if it is the first error; once an error is recorded it returns nil.
func (c *Chain) Do(n *G.Node, err error) *G.Node {
	if c.Err == nil && err != nil {
		c.Err = err
	}
	if c.Err != nil {
		return nil
	}
	return n
}
