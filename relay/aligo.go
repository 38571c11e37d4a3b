package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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

// aligoAPI is what both Aligo adapters share for their calls: where to post,
// with which credentials, and what an answer's code means.
type aligoAPI struct {
	base   string
	client *http.Client
	now    func() time.Time
	log    *slog.Logger
	scrub  scrubber
	auth   url.Values                                    // the account's credentials, added to every form
	okCode int64                                         // the answer code of success (AlimTalk 0, SMS 1)
	codeOf func(int64, string) (Outcome, string, string) // a failed answer's code in our vocabulary
}

// newAligoAPI is the API of an adapter of kind at base (def when empty).
func newAligoAPI(opts Options, kind, base, def, secret string, auth url.Values, okCode int64, codeOf func(int64, string) (Outcome, string, string)) aligoAPI {
	opts = opts.withDefaults()
	if base == "" {
		base = def
	}
	return aligoAPI{base: base, client: opts.HTTPClient, now: opts.Now, log: opts.Logger.With("relay_kind", kind),
		scrub: newScrubber(secret), auth: auth, okCode: okCode, codeOf: codeOf}
}

// aligoSendCall POSTs one send call of batch (form, to path) and answers each
// message's result: all accepted, with the request's mid, on the success code;
// otherwise all with the code's outcome, or an error for a relay fault. name
// names the call in errors, logName in the debug log, codeKey its code there;
// fields reads the answer A's code, mid and message.
func aligoSendCall[A any](ctx context.Context, a *aligoAPI, batch []Message, path string, form url.Values,
	name, logName, codeKey string, fields func(*A) (code *flexInt, mid, msg string)) ([]Result, error) {
	start := a.now()
	ans, err := postForm(ctx, a.client, joinURL(a.base, path), form)
	if err != nil {
		return nil, a.scrub.err(fmt.Errorf("%s: %w", name, err))
	}
	defer ans.release()
	if ans.status != http.StatusOK {
		return nil, httpFault(statusFault(ans.status), ans.status, fmt.Errorf("%s: HTTP %d: %s", name, ans.status, a.scrub.clean(snippet(ans.body))))
	}
	var v A
	err = json.Unmarshal(ans.body, &v)
	code, mid, msg := fields(&v)
	if err != nil || code == nil {
		return nil, fault(CodeBadAnswer, fmt.Errorf("%s: unreadable answer: %s", name, a.scrub.clean(snippet(ans.body))))
	}
	a.log.DebugContext(ctx, logName, "messages", len(batch), codeKey, int64(*code), "mid", mid, "duration", a.now().Sub(start))
	res := make([]Result, len(batch))
	if int64(*code) == a.okCode {
		for j, m := range batch {
			res[j] = Result{MessageID: m.ID, Outcome: Accepted, ProviderID: mid}
		}
		return res, nil
	}
	outcome, errCode, reason := a.codeOf(int64(*code), a.scrub.clean(msg))
	if outcome == RelayFault {
		return nil, &Error{Code: errCode, Err: errors.New(name + ": " + reason), Public: reason}
	}
	for j, m := range batch {
		res[j] = Result{MessageID: m.ID, Outcome: outcome, Code: errCode, Reason: reason}
	}
	return res, nil
}

// post POSTs one query call (history, templates) and checks the answer's code.
func (a *aligoAPI) post(ctx context.Context, path string, form url.Values, dst any, code func() *flexInt, msg func() string) error {
	for k, v := range a.auth {
		form[k] = v
	}
	ans, err := postForm(ctx, a.client, joinURL(a.base, path), form)
	if err != nil {
		return a.scrub.err(fmt.Errorf("aligo %s: %w", path, err))
	}
	defer ans.release()
	if ans.status != http.StatusOK {
		return httpFault(statusFault(ans.status), ans.status, fmt.Errorf("aligo %s: HTTP %d: %s", path, ans.status, a.scrub.clean(snippet(ans.body))))
	}
	if err := json.Unmarshal(ans.body, dst); err != nil || code() == nil {
		return fault(CodeBadAnswer, fmt.Errorf("aligo %s: unreadable answer: %s", path, a.scrub.clean(snippet(ans.body))))
	}
	if c := int64(*code()); c != a.okCode {
		_, fc, reason := a.codeOf(c, a.scrub.clean(msg()))
		return &Error{Code: fc, Err: fmt.Errorf("aligo %s: %s", path, reason), Public: reason}
	}
	return nil
}

// aligoRequest is one request (mid) of an Aligo history list.
type aligoRequest struct {
	mid     string
	regDate string
}

// aligoHistory is the history lookup both Aligo APIs share: list the requests
// (mids) registered since a time, fetch each request's recipient lines, and read
// reports from them. The two APIs differ only in how one page is asked for.
type aligoHistory[L aligoLine] struct {
	clock func() time.Time
	// requests returns one page (from 1) of the requests registered since since,
	// and whether there are more pages.
	listPage func(ctx context.Context, since time.Time, page int) ([]aligoRequest, bool, error)
	// lines returns one page (from 1) of request mid's recipient lines, and
	// whether there are more pages.
	linesPage func(ctx context.Context, mid string, page int) ([]L, bool, error)
}

// aligoPageSize is the page size of history calls.
const aligoPageSize = 500

// mids lists the request ids registered from since (inclusive) until now; a zero
// since means the last 72 hours.
func (h aligoHistory[L]) mids(ctx context.Context, since time.Time) ([]string, error) {
	if since.IsZero() {
		since = h.clock().Add(-72 * time.Hour)
	}
	var out []string
	for page := 1; ; page++ {
		reqs, more, err := h.listPage(ctx, since, page)
		if err != nil {
			return nil, err
		}
		for _, r := range reqs {
			// The list is by day; drop what was registered before the claim. A
			// minute of slack covers clock skew between us and Aligo.
			if t := aligoTime(r.regDate); !t.IsZero() && t.Before(since.Add(-time.Minute)) {
				continue
			}
			if r.mid != "" {
				out = append(out, r.mid)
			}
		}
		if !more {
			return out, nil
		}
	}
}

// all returns every recipient line of each of mids, fetching a few requests at a time.
func (h aligoHistory[L]) all(ctx context.Context, mids []string) (map[string][]L, error) {
	var mu sync.Mutex
	out := make(map[string][]L, len(mids))
	err := forEachLimited(ctx, mids, 4, func(ctx context.Context, mid string) error {
		var lines []L
		for page := 1; ; page++ {
			ls, more, err := h.linesPage(ctx, mid, page)
			if err != nil {
				return err
			}
			lines = append(lines, ls...)
			if !more {
				break
			}
		}
		mu.Lock()
		out[mid] = lines
		mu.Unlock()
		return nil
	})
	return out, err
}

// Reports returns the final per-recipient results of the requests q.ProviderIDs
// (mids) or, when none are given, of every request since q.Since. Aligo reports
// carry the mid and the recipient, not our id: match them to messages by
// (ProviderID, To). A line without a result yet is left out. Aligo has no cursor,
// so Next is empty and the caller asks again with the mids still awaited.
func (h aligoHistory[L]) Reports(ctx context.Context, q ReportQuery) (ReportPage, error) {
	mids := q.ProviderIDs
	if len(mids) == 0 {
		var err error
		if mids, err = h.mids(ctx, q.Since); err != nil {
			return ReportPage{}, err
		}
	}
	lines, err := h.all(ctx, mids)
	if err != nil {
		return ReportPage{}, err
	}
	return aligoReports(mids, lines), nil
}

// Lookup finds which of msgs Aligo received since the claim: it lists the requests
// registered since then and matches their lines by recipient number, and by message
// text or template when Aligo returns them. Matches are ByRecipient. Guarantee: a
// message Aligo has is found unless its history is not listed yet (Aligo lists a
// request as soon as it accepts it); a false match needs the same number to have
// received another message from this account with the same text or template since
// the claim.
func (h aligoHistory[L]) Lookup(ctx context.Context, msgs []Message, since time.Time) ([]Report, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	mids, err := h.mids(ctx, since)
	if err != nil {
		return nil, err
	}
	lines, err := h.all(ctx, mids)
	if err != nil {
		return nil, err
	}
	return aligoLookup(msgs, mids, lines), nil
}

// aligoSend is Send of both Aligo APIs for the adapter of kind. Each message is
// checked here first: its channel (carries), its number (a Korean mobile), and
// refuse, which names what the API would refuse (a code and a reason, or "") —
// so that one bad message cannot make Aligo refuse a whole call. The rest go in
// one call per groupKey, with their domestic numbers. A failed call fails its
// messages; Send fails as a whole only if every message went into a failed call.
func aligoSend(ctx context.Context, kind string, msgs []Message, carries func(Channel) bool, refuse func(Message) (string, string),
	groupKey func(Message) string, call func(ctx context.Context, batch []Message, numbers []string) ([]Result, error)) ([]Result, error) {
	if len(msgs) > aligoMaxBatch {
		return nil, fmt.Errorf("%s: %d messages: %w", strings.ReplaceAll(kind, "-", " "), len(msgs), ErrBatchTooLarge)
	}
	out := make([]Result, len(msgs))
	type item struct {
		i      int
		number string
	}
	groups := map[string][]item{}
	var order []string
	for i, m := range msgs {
		out[i].MessageID = m.ID
		if !carries(m.Channel) {
			out[i].Outcome, out[i].Code = RelayFault, CodeBadRequest
			out[i].Reason = fmt.Sprintf("%s does not carry %q messages", kind, m.Channel)
			continue
		}
		number, ok := domesticNumber(m.To)
		if !ok {
			out[i].Outcome, out[i].Code = RecipientFailed, CodeInvalidNumber
			out[i].Reason = "not a Korean mobile number: " + m.To
			continue
		}
		if code, reason := refuse(m); code != "" {
			out[i].Outcome, out[i].Code, out[i].Reason = RecipientFailed, code, reason
			continue
		}
		k := groupKey(m)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], item{i, number})
	}
	var errs []error
	sent := 0
	for _, k := range order {
		g := groups[k]
		batch := make([]Message, len(g))
		numbers := make([]string, len(g))
		for j, it := range g {
			batch[j], numbers[j] = msgs[it.i], it.number
		}
		res, err := call(ctx, batch, numbers)
		if err != nil {
			errs = append(errs, err)
			res = FaultResults(batch, codeOf(err), err)
		}
		for j, it := range g {
			out[it.i] = res[j]
		}
		sent += len(g)
	}
	if len(order) > 0 && len(errs) == len(order) && sent == len(msgs) {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
