package relay

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sendingo/sendingo/render"
)

// SMSBytes is the length of s as Korean carriers count it (EUC-KR bytes; see
// render.SMSBytes, the one definition the preview and the relays share).
func SMSBytes(s string) int { return render.SMSBytes(s) }

// truncateBytes cuts s to at most max SMSBytes, on a character boundary.
func truncateBytes(s string, max int) string {
	n := 0
	for i, r := range s {
		w := 1
		if r >= utf8.RuneSelf {
			w = 2
		}
		if n+w > max {
			return s[:i]
		}
		n += w
	}
	return s
}

// FallbackCovers says whether an AlimTalk that failed for its recipient with
// code goes out again as SMS/LMS: not for opted-out recipients (the opt-out
// covers SMS too) nor numbers that cannot take any message.
func FallbackCovers(code string) bool {
	return code != CodeOptedOut && code != CodeInvalidNumber
}

// FallbackKeyChannel answers the channel of a fallback's relay message id
// ("42-sms", "42-r2-lms"; FallbackFor), and false for a first send's ("42",
// "42-r2").
func FallbackKeyChannel(key string) (Channel, bool) {
	for _, ch := range []Channel{ChannelSMS, ChannelLMS} {
		if strings.HasSuffix(key, "-"+string(ch)) {
			return ch, true
		}
	}
	return "", false
}

// RetryKey is the relay message id of message id sent by a retry run (run 2
// and later): "42-r2". A relay that remembers the first run's "42" sends it
// again.
func RetryKey(id int64, run int) string {
	return strconv.FormatInt(id, 10) + "-r" + strconv.Itoa(run)
}

// KeyRun answers the campaign run a relay message id was sent in: "42-r3" and
// "42-r3-sms" are run 3's (RetryKey, FallbackFor), "42" and "42-sms" the first
// run's, and so is any id of another shape.
func KeyRun(key string) int {
	rest, ok := strings.CutPrefix(key[leadingDigits(key):], "-r")
	if !ok {
		return 1
	}
	run, err := strconv.Atoi(rest[:leadingDigits(rest)])
	if err != nil || run < 1 {
		return 1
	}
	return run
}

// leadingDigits is how many ASCII digits s starts with.
func leadingDigits(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// FallbackFor decides whether the AlimTalk message m, which ended with r, goes out
// again as SMS or LMS, and builds that message. It does when m is an AlimTalk with
// fallback text and r is a RecipientFailed — except for opted-out recipients (the
// opt-out covers SMS too) and numbers that cannot take any message.
//
// The channel is the Fallback's, upgraded from SMS to LMS when the text exceeds
// SMSMaxBytes (text is never cut); without one, SMS when the text fits and LMS
// otherwise. A text beyond LMSMaxBytes cannot be sent: no fallback. The LMS title is
// the fallback subject (or the AlimTalk's), cut to LMSSubjectMaxBytes.
//
// The fallback keeps m's ID and gets the Key "<id>-sms" / "<id>-lms", so a relay
// that carries both channels does not drop it as a repeat of the AlimTalk.
func FallbackFor(m Message, r Result) (Message, bool) {
	if m.Channel != ChannelAlimTalk || m.Fallback == nil || m.Fallback.Body == "" || r.Outcome != RecipientFailed ||
		!FallbackCovers(r.Code) {
		return Message{}, false
	}
	body := m.Fallback.Body
	size := SMSBytes(body)
	if size > LMSMaxBytes {
		return Message{}, false
	}
	ch := m.Fallback.Channel
	if ch != ChannelLMS && size <= SMSMaxBytes {
		ch = ChannelSMS
	} else {
		ch = ChannelLMS
	}
	fb := Message{
		ID:   m.ID,
		Key:  m.IdempotencyKey() + "-" + string(ch),
		To:   m.To,
		Name: m.Name, Channel: ch, Body: body,
	}
	if ch == ChannelLMS {
		subject := m.Fallback.Subject
		if subject == "" {
			subject = m.Subject
		}
		fb.Subject = truncateBytes(subject, LMSSubjectMaxBytes)
	}
	return fb, true
}
