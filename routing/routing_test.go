package routing

import (
	"testing"

	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
)

// An e-mail goes as HTML when its template's body, as written, opens with a
// tag: not when a value makes the rendered body look like one.
func TestMessageForTakesHTMLFromTheTemplate(t *testing.T) {
	for _, tc := range []struct {
		template, sent string
		want           bool
	}{
		{"<p>#{이름}님</p>", "<p>&lt;VIP&gt;님</p>", true},
		{"#{이름}님, 안내드립니다.", "<VIP>님, 안내드립니다.", false},
		{"<공지> #{이름}님", "<공지> 김님", false},
	} {
		tpl := store.Template{Channel: render.ChannelEmail, Subject: "안내", Body: tc.template}
		m := MessageFor(7, "a@example.com", "김", tpl, render.Rendered{Channel: render.ChannelEmail, Subject: "안내", Body: tc.sent})
		if m.HTML != tc.want || m.Body != tc.sent || m.ID != 7 {
			t.Errorf("template %q: message %+v, want HTML %v", tc.template, m, tc.want)
		}
	}
	// Other channels carry no HTML flag.
	tpl := store.Template{Channel: render.ChannelSMS, Body: "<p>안녕</p>"}
	if m := MessageFor(8, "+821012345678", "", tpl, render.Rendered{Channel: render.ChannelSMS, Body: "<p>안녕</p>"}); m.HTML {
		t.Errorf("an SMS marked HTML: %+v", m)
	}
}
