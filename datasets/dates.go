package datasets

import (
	"fmt"
	"strings"
	"time"

	"github.com/pkg/errors"
)

// The date task's range: every day from DateFirst to DateLast (36 525 days), so that two-digit
// years are unambiguous.
var (
	DateFirst = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	DateLast  = time.Date(2049, 12, 31, 0, 0, 0, 0, time.UTC)
)

// dateDays is the number of days from DateFirst to DateLast inclusive.
var dateDays = int(DateLast.Sub(DateFirst).Hours()/24) + 1

// DateFormats lists the human formats of FormatDate, shown for 2026-11-28 (a Saturday). The first
// ten, DateFormats[:RefDateFormats], are the formats of the reference PyTorch run, in its order;
// the others add ISO-like orderings with other separators.
var DateFormats = []string{
	"28 November 2026",
	"Nov 28, 2026",
	"11/28/26",
	"saturday, november 28, 2026",
	"Saturday, November 28, 2026",
	"28.11.2026",
	"November 28, 2026",
	"28 NOV 2026",
	"11/28/2026",
	"Sat 28 Nov 2026",
	"2026.11.28",
	"28-11-2026",
}

// RefDateFormats is the number of reference formats at the start of DateFormats: the formats Dates
// draws from by default.
const RefDateFormats = 10

// FormatDate renders d in format f, an index into DateFormats; names are English, month and day
// are not zero-padded unless the example shows them so. It returns "" for an f out of range.
func FormatDate(d time.Time, f int) string {
	day, mon, year := d.Day(), int(d.Month()), d.Year()
	month := d.Month().String()
	wd := d.Weekday().String()
	switch f {
	case 0:
		return fmt.Sprintf("%d %s %d", day, month, year)
	case 1:
		return fmt.Sprintf("%s %d, %d", month[:3], day, year)
	case 2:
		return fmt.Sprintf("%02d/%02d/%02d", mon, day, year%100)
	case 3:
		return strings.ToLower(fmt.Sprintf("%s, %s %d, %d", wd, month, day, year))
	case 4:
		return fmt.Sprintf("%s, %s %d, %d", wd, month, day, year)
	case 5:
		return fmt.Sprintf("%02d.%02d.%d", day, mon, year)
	case 6:
		return fmt.Sprintf("%s %d, %d", month, day, year)
	case 7:
		return fmt.Sprintf("%d %s %d", day, strings.ToUpper(month[:3]), year)
	case 8:
		return fmt.Sprintf("%d/%d/%d", mon, day, year)
	case 9:
		return fmt.Sprintf("%s %d %s %d", wd[:3], day, month[:3], year)
	case 10:
		return fmt.Sprintf("%d.%02d.%02d", year, mon, day)
	case 11:
		return fmt.Sprintf("%02d-%02d-%d", day, mon, year)
	}
	return ""
}

// Date vocabularies. The source ids match the reference run's (0 is padding, then space, comma,
// full stop, slash, digits, A–Z, a–z), with "-" added at the end for the extra formats; the
// target ids 0…12 match it too ("0"…"9", "-", BOS, EOS), with PAD added as 13.
var (
	dateSrcVocab = mustVocabulary(dateSrcSymbols())
	dateTgtVocab = mustVocabulary([]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-", BOSSymbol, EOSSymbol, PadSymbol})
)

func dateSrcSymbols() []string {
	syms := []string{PadSymbol}
	for _, r := range " ,./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-" {
		syms = append(syms, string(r))
	}
	return syms
}

// DateOptions tune Dates.
type DateOptions struct {
	// Formats are the indices into DateFormats to draw from, uniformly; nil means the reference
	// formats 0…RefDateFormats−1.
	Formats []int
	// Exclude, when not nil, is a held-out set whose dates are never drawn (the reference run keeps
	// its 1000 test dates out of training this way).
	Exclude *DateSet
}

// DateSet is the date-normalisation task, generated on demand (example i depends only on the seed,
// the options and i): a date drawn uniformly from DateFirst…DateLast, rendered in a format drawn
// uniformly from the chosen ones, is to be translated to ISO 8601, e.g.
//
//	"saturday, november 28, 2026" → "2026-11-28"
//
// Character level: Info.Vocab holds the source characters (PAD = 0; see the vocabularies above, 68
// symbols) and Info.TgtVocab the target ones (13 + PAD: "0"…"9" = 0…9, "-" = 10, BOS = 11,
// EOS = 12, PAD = 13; Classes 14). Every target is 10 characters, so Tgt = the ISO string + EOS
// and TgtT = 11; sources are 8 to 29 characters. Batch layout: see Batch (Kind Seq2Seq).
type DateSet struct {
	info    Info
	n       int
	seed    uint64
	formats []int
	exclude map[int]bool // day numbers never drawn
}

// Dates returns n examples of the date task (see DateSet). It is an error for a format index to lie
// outside DateFormats, or for Exclude to hold every day of the range; n below 0 is treated as 0.
func Dates(n int, seed uint64, opts DateOptions) (*DateSet, error) {
	formats := opts.Formats
	if formats == nil {
		for f := 0; f < RefDateFormats; f++ {
			formats = append(formats, f)
		}
	}
	if len(formats) == 0 {
		return nil, errors.New("dates: no formats given")
	}
	for _, f := range formats {
		if f < 0 || f >= len(DateFormats) {
			return nil, errors.Errorf("dates: format %d outside [0, %d)", f, len(DateFormats))
		}
	}
	d := &DateSet{
		info: Info{Name: "dates", Kind: Seq2Seq, Classes: dateTgtVocab.Size(), Vocab: dateSrcVocab, TgtVocab: dateTgtVocab},
		n:    max(n, 0), seed: seed, formats: append([]int(nil), formats...),
	}
	if ex := opts.Exclude; ex != nil {
		d.exclude = make(map[int]bool, ex.n)
		for i := 0; i < ex.n; i++ {
			day, _ := ex.draw(i)
			d.exclude[day] = true
		}
		if len(d.exclude) >= dateDays {
			return nil, errors.New("dates: the excluded set holds every date of the range")
		}
	}
	return d, nil
}

// draw returns the day number (days after DateFirst) and format of example i.
func (d *DateSet) draw(i int) (day, format int) {
	rng := exampleRNG(d.seed, streamDates, i)
	for {
		day = rng.IntN(dateDays)
		format = d.formats[rng.IntN(len(d.formats))]
		if !d.exclude[day] {
			return day, format
		}
	}
}

// Info describes the task.
func (d *DateSet) Info() Info { return d.info }

// Len is the number of examples.
func (d *DateSet) Len() int { return d.n }

// Example returns example i: the date, its rendering (the source) and its ISO form (the target).
// It panics on an index outside [0, Len()).
func (d *DateSet) Example(i int) (date time.Time, src, iso string) {
	if i < 0 || i >= d.n {
		panic(errors.Errorf("dates: index %d outside [0, %d)", i, d.n))
	}
	day, f := d.draw(i)
	date = DateFirst.AddDate(0, 0, day)
	return date, FormatDate(date, f), date.Format("2006-01-02")
}

// Batch generates the examples at the given indices, padded (layout: see Batch, Kind Seq2Seq). It
// panics on an index outside [0, Len()).
func (d *DateSet) Batch(indices []int) Batch {
	srcs, tgts := make([][]int, len(indices)), make([][]int, len(indices))
	for k, i := range indices {
		_, src, iso := d.Example(i)
		srcs[k] = encodeChars(dateSrcVocab, src)
		tgts[k] = encodeChars(dateTgtVocab, iso)
	}
	return seq2seqBatch(srcs, tgts, dateSrcVocab, dateTgtVocab)
}

// encodeChars maps the characters of s, all known to be in v, to ids.
func encodeChars(v *Vocabulary, s string) []int {
	ids := make([]int, 0, len(s))
	for _, r := range s {
		id, ok := v.ID(string(r))
		if !ok {
			panic(errors.Errorf("character %q of %q is not in the vocabulary", r, s))
		}
		ids = append(ids, id)
	}
	return ids
}
