package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
)

// templateSyncTimeout bounds the provider calls of one template sync.
const templateSyncTimeout = 30 * time.Second

type templateSyncJSON struct {
	RelayID   int64                `json:"relay_id"`
	Created   int                  `json:"created"`
	Updated   int                  `json:"updated"`
	Templates []syncedTemplateJSON `json:"templates"`
}

type syncedTemplateJSON struct {
	store.Template
	Created bool `json:"created"`
	// OtherButtons counts the provider's buttons of kinds sendingo does not send
	// (only web links are); a template with any cannot be sent as approved.
	OtherButtons int `json:"other_buttons,omitempty"`
}

// syncRelayTemplates imports the AlimTalk templates the provider lists for an
// aligo-alimtalk relay as the account's templates, with their inspection
// status: a template with the same code (and sender profile) is updated and
// keeps its id; the others are created. The provider is called through the same
// egress guard as every tenant-supplied address.
func (s *Server) syncRelayTemplates(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	r, err := s.store.Relay(ctx, acc, id)
	if !storeErr(c, err, "relay") {
		return
	}
	if r.Kind != relay.KindAligoAlimTalk {
		unprocessable(c, "template-sync-unsupported", "Template sync unsupported",
			fmt.Sprintf("relay %d is %s; only %s relays can list the provider's templates", id, r.Kind, relay.KindAligoAlimTalk))
		return
	}
	sender, err := relay.New(r.Kind, []byte(r.Config), relay.Options{Egress: s.egress, Timeout: templateSyncTimeout})
	if err != nil {
		internalError(c, err)
		return
	}
	lister, ok := sender.(relay.TemplateLister)
	if !ok {
		internalError(c, fmt.Errorf("relay kind %s lists no templates", r.Kind))
		return
	}
	cctx, cancel := context.WithTimeout(ctx, templateSyncTimeout)
	defer cancel()
	listed, err := lister.Templates(cctx)
	if err != nil {
		s.log.Warn("template sync failed", "account_id", acc, "relay_id", id, "error", err)
		writeProblem(c, Problem{Type: ProblemBase + "provider-error", Title: "Provider error", Status: http.StatusBadGateway,
			Detail:     "the provider's template list could not be read: " + relay.PublicReason(err),
			Extensions: map[string]any{"code": relay.ErrorCode(err)}})
		return
	}
	items := make([]store.ProviderTemplate, len(listed))
	other := map[string]int{}
	for i, t := range listed {
		buttons := make(store.Buttons, len(t.Buttons))
		for j, b := range t.Buttons {
			buttons[j] = render.Button{Name: b.Name, MobileURL: b.MobileURL, PCURL: b.PCURL}
		}
		content := render.Template{Channel: render.ChannelAlimTalk, Body: t.Body, Buttons: buttons}
		items[i] = store.ProviderTemplate{Code: t.Code, Name: render.TruncateRunes(t.Name, 200), Body: t.Body, Buttons: buttons,
			Variables: content.Variables(), Status: t.Status, SenderKey: t.SenderKey}
		other[t.Code] = t.OtherButtons
	}
	synced, err := s.store.SyncProviderTemplates(ctx, acc, id, items)
	if !storeErr(c, err, "templates") {
		return
	}
	out := templateSyncJSON{RelayID: id, Templates: make([]syncedTemplateJSON, len(synced))}
	for i, st := range synced {
		out.Templates[i] = syncedTemplateJSON{Template: st.Template, Created: st.Created, OtherButtons: other[st.Template.ProviderTemplateCode]}
		if st.Created {
			out.Created++
		} else {
			out.Updated++
		}
	}
	s.log.Info("templates synced", "account_id", acc, "relay_id", id, "created", out.Created, "updated", out.Updated)
	c.JSON(http.StatusOK, out)
}
