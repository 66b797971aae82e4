package compare

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"github.com/gorgonia-zoo/modelzoo/datasets"
	"github.com/gorgonia-zoo/modelzoo/nn"
	"github.com/gorgonia-zoo/modelzoo/train"
	"github.com/gorgonia-zoo/modelzoo/zoo/seqmodel"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// fitRun is a training run whose divergence (a NaN or infinite loss) is an outcome, not an error.
type fitRun struct {
	Res      *train.Result  // nil when the run diverged
	Records  []train.Record // every evaluation, also those before a divergence
	Diverged bool
	Losses   []float64 // per-step training loss up to the end or the divergence
}

// fit trains m on data with cfg, collecting every evaluation; also, when not nil, is called after
// each one.
func fit(m train.Model, data train.Data, cfg train.Config, also func(train.Record)) (*fitRun, error) {
	fr := &fitRun{}
	cfg.OnEval = func(r train.Record) {
		fr.Records = append(fr.Records, r)
		if also != nil {
			also(r)
		}
	}
	res, err := train.Fit(m, data, cfg)
	if err != nil {
		if strings.Contains(err.Error(), "training loss is") {
			fr.Diverged = true
			return fr, nil
		}
		return nil, err
	}
	fr.Res, fr.Losses = res, res.Losses
	return fr, nil
}

// evalCurve is the validation metric key at every evaluation of fr, against the step.
func (fr *fitRun) evalCurve(name, key string) Curve {
	c := Curve{Name: name}
	for _, r := range fr.Records {
		if v, ok := r.Val[key]; ok {
			c.X = append(c.X, float64(r.Step))
			c.Y = append(c.Y, v)
		}
	}
	return c
}

// trainCurve is the mean training loss between evaluations, against the step.
func (fr *fitRun) trainCurve(name string) Curve {
	c := Curve{Name: name}
	for _, r := range fr.Records {
		c.X = append(c.X, float64(r.Step))
		c.Y = append(c.Y, r.TrainLoss)
	}
	return c
}

// hiddenGradNorms measures the vanishing gradient of a recurrent model with a regression head
// (the adding problem): ‖∂L/∂h_t‖ for every step t of the top layer, on batch b.
//
// The stack is unrolled here step by step with a zero "probe" input added to every h_t before it
// enters step t+1 (and, for the last step, the head): h'_t = h_t + p_t. The probes change nothing
// in the forward pass, and ∂L/∂p_t = ∂L/∂h_t, so differentiating the loss with respect to the
// probes alone reads the gradient that reaches each hidden state through time. The norm is the
// Frobenius norm over the batch of the mean loss's gradient.
func hiddenGradNorms(m *seqmodel.Model, b datasets.Batch) ([]float64, error) {
	cfg := m.Config
	if !cfg.Regression || cfg.Dim <= 0 {
		return nil, errors.New("hidden-state gradients: want a real-valued regression model (the adding problem)")
	}
	n, T := b.N, cfg.T
	if b.T != T || b.Dim != cfg.Dim {
		return nil, errors.Errorf("hidden-state gradients: batch of %d steps × %d features, model %d × %d", b.T, b.Dim, T, cfg.Dim)
	}
	s := m.Store()
	w, bias := s.Get("decoder.weight"), s.Get("decoder.bias")
	if w == nil || bias == nil {
		return nil, errors.New("hidden-state gradients: the model has no decoder.weight/decoder.bias")
	}
	head := &nn.Linear{In: cfg.Hidden, Out: cfg.YDim, Weight: w, Bias: bias}
	stack := m.Stack()
	g := nn.NewGraph(s, n, false)
	state := stack.NewState(g, n).Nodes()
	top := stack.Layers() - 1
	probes := make([]*G.Node, T)
	var h *G.Node
	for t := 0; t < T; t++ {
		x := g.Input(fmt.Sprintf("x_%d", t), n, cfg.Dim)
		feat := make([]float64, n*cfg.Dim)
		for i := 0; i < n; i++ {
			copy(feat[i*cfg.Dim:(i+1)*cfg.Dim], b.X[(i*T+t)*cfg.Dim:(i*T+t+1)*cfg.Dim])
		}
		if err := x.Set(feat); err != nil {
			return nil, err
		}
		_, next, err := stack.Step(g, x.Node, state)
		if err != nil {
			return nil, errors.Wrapf(err, "step %d", t)
		}
		p := g.Input(fmt.Sprintf("probe_%d", t), n, cfg.Hidden)
		probes[t] = p.Node
		if h, err = G.Add(next[top][0], p.Node); err != nil {
			return nil, errors.Wrapf(err, "probe %d", t)
		}
		next[top][0] = h
		state = next
	}
	pred, err := head.Forward(g, h)
	if err != nil {
		return nil, err
	}
	mse, err := nn.NewMSE(g, pred)
	if err != nil {
		return nil, err
	}
	if err := mse.SetTargets(b.Y); err != nil {
		return nil, err
	}
	if _, err := G.Grad(mse.Loss, probes...); err != nil {
		return nil, errors.Wrap(err, "hidden-state gradients: differentiating")
	}
	vm := G.NewTapeMachine(g.G, G.BindDualValues(probes...))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		return nil, errors.Wrap(err, "hidden-state gradients: running")
	}
	norms := make([]float64, T)
	for t, p := range probes {
		gv, err := p.Grad()
		if err != nil {
			return nil, errors.Wrapf(err, "gradient of probe %d", t)
		}
		gt, ok := gv.(tensor.Tensor)
		if !ok {
			return nil, errors.Errorf("gradient of probe %d is not a tensor", t)
		}
		sum := 0.0
		for _, v := range nn.Float64s(gt) {
			sum += v * v
		}
		norms[t] = math.Sqrt(sum)
	}
	return norms, nil
}

// paramGradNorm runs the training graph of m on batch b once and returns the norm of the gradient
// of the store tensor called name. The gradient is zeroed before the run, so repeated calls do not
// add up.
func paramGradNorm(g *nn.Graph, b datasets.Batch, name string) (float64, error) {
	var node *G.Node
	for i, t := range g.Params() {
		if t.Name == name {
			node = g.Nodes()[i]
		}
	}
	if node == nil {
		return 0, errors.Errorf("no parameter %q in the graph", name)
	}
	if err := g.Compile(); err != nil {
		return 0, err
	}
	for _, n := range g.Nodes() {
		if gv, err := n.Grad(); err == nil {
			if t, ok := gv.(tensor.Tensor); ok {
				t.Zero()
			}
		}
	}
	if err := g.Feed(b); err != nil {
		return 0, err
	}
	if err := g.Run(nn.NewRNG(1, nn.StreamDropout, 0)); err != nil {
		return 0, err
	}
	gv, err := node.Grad()
	if err != nil {
		return 0, errors.Wrapf(err, "gradient of %s", name)
	}
	sum := 0.0
	for _, v := range nn.Float64s(gv.(tensor.Tensor)) {
		sum += v * v
	}
	return math.Sqrt(sum), nil
}

// palette is the colours of a plot's lines (Tableau 10), then repeated dashed.
var palette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255},
	color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255}, color.RGBA{227, 119, 194, 255}, color.RGBA{127, 127, 127, 255},
	color.RGBA{188, 189, 34, 255}, color.RGBA{23, 190, 207, 255},
}

// Series is one line of a plot.
type Series struct {
	Name string    // the legend entry
	X, Y []float64 // the points; a NaN or infinite Y is left out
}

// linePlot writes a PNG of the series to path. With logY, points that are not positive and finite
// are left out.
func linePlot(path, title, xlabel, ylabel string, logY bool, series []Series) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: 1}
	}
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	drawn := 0
	for i, s := range series {
		var xys plotter.XYs
		for j := range s.X {
			y := s.Y[j]
			if math.IsNaN(y) || math.IsInf(y, 0) || (logY && y <= 0) {
				continue
			}
			xys = append(xys, plotter.XY{X: s.X[j], Y: y})
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return errors.Wrapf(err, "plot %s: %s", filepath.Base(path), s.Name)
		}
		l.Color = palette[i%len(palette)]
		l.Dashes = plotutil.Dashes(i / len(palette))
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.Name, l)
		drawn++
	}
	if drawn == 0 {
		return errors.Errorf("plot %s: nothing to draw", filepath.Base(path))
	}
	// Room above the lines for the legend: a quarter of the height.
	if logY && p.Y.Min > 0 {
		p.Y.Max = math.Pow(10, math.Log10(p.Y.Max)+(math.Log10(p.Y.Max)-math.Log10(p.Y.Min))/3)
	} else if !logY {
		p.Y.Max += (p.Y.Max - p.Y.Min) / 3
	}
	return errors.Wrapf(p.Save(7*vg.Inch, 4*vg.Inch, path), "plot %s", filepath.Base(path))
}

// mdTable renders a Markdown table.
func mdTable(head []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for range head {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}

// f4 formats a number for a table: 4 significant digits, "—" for a missing one.
func f4(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return fmt.Sprintf("%.4g", v)
}

// mean is the mean of the metric over the results; ok is false when none has it.
func mean(rs []Result, metric string) (float64, bool) {
	sum, n := 0.0, 0
	for _, r := range rs {
		if v, ok := r.Metric(metric); ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// where returns the results whose parameters have the given values (key, value, key, value, …).
func where(rs []Result, kv ...string) []Result {
	var out []Result
	for _, r := range rs {
		ok := true
		for i := 0; i+1 < len(kv); i += 2 {
			if r.Param(kv[i]) != kv[i+1] {
				ok = false
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// meanCurve averages the curve called name over the results, point by point (the shortest length).
func meanCurve(rs []Result, name string) Series {
	var s Series
	n := -1
	for _, r := range rs {
		if c := r.Curve(name); c != nil && (n < 0 || len(c.X) < n) {
			n = len(c.X)
		}
	}
	if n <= 0 {
		return s
	}
	s.X, s.Y = make([]float64, n), make([]float64, n)
	k := 0
	for _, r := range rs {
		c := r.Curve(name)
		if c == nil {
			continue
		}
		for i := 0; i < n; i++ {
			s.X[i] = c.X[i]
			s.Y[i] += c.Y[i]
		}
		k++
	}
	for i := range s.Y {
		s.Y[i] /= float64(k)
	}
	return s
}

// param formats a setting for a Spec.
func param(key string, v any) Param { return Param{key, fmt.Sprint(v)} }
