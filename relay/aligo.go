package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/sendingo/sendingo/phone"
	"golang.org/x/sync/errgroup"
)

// aligoMaxBatch is Aligo's limit of recipients per call (AlimTalk send, SMS send_mass).
const aligoMaxBatch = 500

// aligoZone is the time zone of Aligo's timestamps. Korea has no daylight saving
// time, so a fixed zone is exact and needs no tzdata.
var aligoZone = time.FixedZone("KST", 9*60*60)

// aligoTime reads "2006-01-02 15:04:05" in Korean time; zero if empty or unreadable.
func aligoTime(s string) time.Time {
	t, err := time.ParseInLocation(time.DateTime, strings.TrimSpace(s), aligoZone)
	if err != nil {
		return time.Time{}
	}
	return t
}

// flexInt reads a JSON number or a numeric string: Aligo answers result_code as 1
// on some endpoints and "1" on others.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*f = 0
			return nil
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		*f = flexInt(n)
		return nil
	}
	if string(b) == "null" {
		*f = 0
		return nil
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// flexString reads a JSON string, number or null as text (mids come as either).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		*f = flexString(b)
	}
	return nil
}

// domesticNumber turns a recipient into the digits Aligo wants (+821012345678 →
// 01012345678). Aligo sends inside Korea only, to mobile numbers (01x).
func domesticNumber(to string) (string, bool) {
	e164, err := phone.Normalize(to, phone.DefaultRegion)
	if err != nil || !strings.HasPrefix(e164, "+82") {
		return "", false
	}
	d := phone.NationalDigits(e164)
	if len(d) < 10 || len(d) > 11 || !strings.HasPrefix(d, "01") {
		return "", false
	}
	return d, true
}

// e164FromDomestic is the reverse, for numbers in Aligo's reports.
func e164FromDomestic(d string) string {
	if n, err := phone.Normalize(d, phone.DefaultRegion); err == nil {
		return n
	}
	return d
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// codeInfo is how a provider code maps onto our vocabulary.
type codeInfo struct {
	outcome Outcome
	code    string
	meaning string
}

// forEachLimited runs fn for each item with at most n running at once and returns
// the first error. History lookups fetch many mids; a few in parallel keeps a poll
// short without hammering the provider.
func forEachLimited[T any](ctx context.Context, items []T, n int, fn func(context.Context, T) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(n)
	for _, it := range items {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, it) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err() // gctx is cancelled once Wait returns; ctx only if the caller's was
}

// aligoLine is one recipient line of an Aligo request's history: an AlimTalk
// detail item or an SMS line.
type aligoLine interface {
	recipient() string    // the number, digits only
	text() string         // the message text Aligo returns, or ""
	templateCode() string // the AlimTalk template code, or ""
	report(mid string) (Report, bool)
}

// aligoReports turns the lines of the requests mids into the final reports (a
// line without a result yet is left out). Aligo has no cursor: Next stays empty.
func aligoReports[L aligoLine](mids []string, lines map[string][]L) ReportPage {
	var page ReportPage
	for _, mid := range mids {
		for _, it := range lines[mid] {
			if r, final := it.report(mid); final {
				page.Reports = append(page.Reports, r)
			}
		}
	}
	return page
}

// aligoLookup matches msgs to the lines of the requests mids by recipient number,
// preferring the latest request, and by text and template when Aligo returns them.
// Matches are ByRecipient: near-certain, not exact.
func aligoLookup[L aligoLine](msgs []Message, mids []string, lines map[string][]L) []Report {
	type line struct {
		mid string
		it  L
	}
	byPhone := map[string][]line{}
	for _, mid := range mids {
		for _, it := range lines[mid] {
			byPhone[it.recipient()] = append(byPhone[it.recipient()], line{mid, it})
		}
	}
	var out []Report
	for _, m := range msgs {
		number, ok := domesticNumber(m.To)
		if !ok {
			continue
		}
		for i := len(byPhone[number]) - 1; i >= 0; i-- {
			l := byPhone[number][i]
			if t := l.it.text(); t != "" && t != m.Body {
				continue
			}
			if c := l.it.templateCode(); c != "" && m.TemplateCode != "" && c != m.TemplateCode {
				continue
			}
			r, _ := l.it.report(l.mid)
			r.MessageID, r.ByRecipient = m.ID, true
			out = append(out, r)
			break
		}
	}
	return out
}
