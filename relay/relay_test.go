package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// messages returns n AlimTalk messages with ids from+1…from+n.
func messages(from, n int) []Message {
	out := make([]Message, n)
	for i := range out {
		id := int64(from + i + 1)
		out[i] = Message{
			ID: id, To: fmt.Sprintf("+8210%08d", id), Name: "고객", Channel: ChannelAlimTalk,
			Body: "안녕하세요 주문이 접수되었습니다.", TemplateCode: "TPL1",
		}
	}
	return out
}

// countingSender records its calls and accepts everything (or fails by rule).
type countingSender struct {
	mu      sync.Mutex
	max     int
	calls   [][]int64
	answer  func(m Message) Result
	failErr error
}

func (s *countingSender) MaxBatch() int { return s.max }

func (s *countingSender) Send(_ context.Context, msgs []Message) ([]Result, error) {
	if len(msgs) > s.max {
		return nil, ErrBatchTooLarge
	}
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	s.mu.Lock()
	s.calls = append(s.calls, ids)
	s.mu.Unlock()
	if s.failErr != nil {
		return nil, s.failErr
	}
	out := make([]Result, len(msgs))
	for i, m := range msgs {
		if s.answer != nil {
			out[i] = s.answer(m)
			continue
		}
		out[i] = Result{MessageID: m.ID, Outcome: Accepted, ProviderID: fmt.Sprint("p", m.ID)}
	}
	return out, nil
}

func (s *countingSender) callSizes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int, len(s.calls))
	for i, c := range s.calls {
		out[i] = len(c)
	}
	return out
}

type groupingSender struct{ countingSender }

func (s *groupingSender) GroupKey(m Message) string { return m.TemplateCode }

func TestOutcomeText(t *testing.T) {
	for _, o := range []Outcome{Accepted, Delivered, RecipientFailed, RelayFault} {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var back Outcome
		if err := json.Unmarshal(b, &back); err != nil || back != o {
			t.Errorf("%v → %s → %v, %v", o, b, back, err)
		}
	}
	if _, err := json.Marshal(Outcome(0)); err == nil {
		t.Error("the zero Outcome must not marshal")
	}
	if !Delivered.Final() || !RecipientFailed.Final() || Accepted.Final() || RelayFault.Final() {
		t.Error("Final is wrong")
	}
}

func TestIdempotencyKey(t *testing.T) {
	if k := (Message{ID: 42}).IdempotencyKey(); k != "42" {
		t.Errorf("key = %q", k)
	}
	if k := (Message{ID: 42, Key: "42-sms"}).IdempotencyKey(); k != "42-sms" {
		t.Errorf("key = %q", k)
	}
}

func TestBatchesSplitsAt500(t *testing.T) {
	s := &countingSender{max: 500}
	got := Batches(s, messages(0, 1001))
	if len(got) != 3 || len(got[0]) != 500 || len(got[1]) != 500 || len(got[2]) != 1 {
		t.Fatalf("batches %d: %d %d …", len(got), len(got[0]), len(got[1]))
	}
	if got[2][0].ID != 1001 || got[1][0].ID != 501 {
		t.Error("batches do not keep the order")
	}
}

func TestBatchesGroupThenSplit(t *testing.T) {
	msgs := messages(0, 1001)
	for i := range msgs {
		if i%2 == 1 {
			msgs[i].TemplateCode = "TPL2"
		}
	}
	s := &groupingSender{countingSender{max: 500}}
	got := Batches(s, msgs)
	// 501 × TPL1 → 500 + 1, 500 × TPL2 → 500.
	var sizes []int
	for _, b := range got {
		sizes = append(sizes, len(b))
		for _, m := range b {
			if m.TemplateCode != b[0].TemplateCode {
				t.Fatal("a batch mixes templates")
			}
		}
	}
	if fmt.Sprint(sizes) != "[500 1 500]" {
		t.Errorf("sizes %v", sizes)
	}
}

func TestSendAll(t *testing.T) {
	s := &countingSender{max: 500}
	res := SendAll(context.Background(), s, messages(0, 1001))
	if fmt.Sprint(s.callSizes()) != "[500 500 1]" {
		t.Errorf("calls %v", s.callSizes())
	}
	for i, r := range res {
		if r.MessageID != int64(i+1) || r.Outcome != Accepted {
			t.Fatalf("result %d = %+v", i, r)
		}
	}

	bad := &countingSender{max: 500, failErr: fault(CodeTimeout, errors.New("slow"))}
	res = SendAll(context.Background(), bad, messages(0, 3))
	for _, r := range res {
		if r.Outcome != RelayFault || r.Code != CodeTimeout {
			t.Errorf("failed call → %+v", r)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = SendAll(ctx, s, messages(0, 2))
	if res[0].Code != CodeNotSent {
		t.Errorf("cancelled → %+v", res[0])
	}
}

func TestErrorCode(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fault(CodeAuth, errors.New("x")), CodeAuth},
		{fmt.Errorf("wrapped: %w", fault(CodeInsufficientFunds, errors.New("x"))), CodeInsufficientFunds},
		{context.Canceled, CodeNotSent},
		{context.DeadlineExceeded, CodeTimeout},
		{&url.Error{Op: "Post", URL: "https://relay.example/send", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}}, CodeUnreachable},
		{&url.Error{Op: "Post", URL: "https://relay.example/send", Err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}}, CodeTimeout},
		{errors.New("anything"), CodeServerError},
	}
	for _, c := range cases {
		if got := ErrorCode(c.err); got != c.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestEveryCodeHasAnOutcome(t *testing.T) {
	tables := map[string][]string{}
	for _, info := range aligoAlimTalkCodes {
		tables["aligo alimtalk"] = append(tables["aligo alimtalk"], info.code)
	}
	for _, info := range kakaoResultCodes {
		tables["kakao"] = append(tables["kakao"], info.code)
	}
	for _, info := range aligoSMSCodes {
		tables["aligo sms"] = append(tables["aligo sms"], info.code)
	}
	for name, codes := range tables {
		for _, c := range codes {
			if _, ok := CodeOutcome(c); !ok {
				t.Errorf("%s maps to %q, which is not in the vocabulary", name, c)
			}
		}
	}
	// The adapters' outcome must agree with the vocabulary's.
	for code, info := range aligoAlimTalkCodes {
		if o, _ := CodeOutcome(info.code); o != info.outcome {
			t.Errorf("aligo code %d: %v, vocabulary says %v", code, info.outcome, o)
		}
	}
}
