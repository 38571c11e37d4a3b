// Package campaign holds the campaign rules the API applies on its way to the
// workflow: what a send is refused for before any message exists, how big the
// chunks are, and how a campaign's workflow (a send, a retry, a restock
// notice) is started. Handlers parse the request, call it, and answer.
package campaign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/routing"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// MaxListedCustomers caps the customers a missing-variables refusal lists.
const MaxListedCustomers = 100

// TemporalCallTimeout bounds a call to Temporal made for a request.
const TemporalCallTimeout = 10 * time.Second

// Service applies the campaign rules over the store and starts workflows.
type Service struct {
	Store    *store.Store
	Temporal client.Client
	// TaskQueue, ReportDeadline, ChunkSize and ChunkWindow go into every
	// campaign workflow's input (config.Config's values).
	TaskQueue      string
	ReportDeadline time.Duration
	ChunkSize      int
	ChunkWindow    int
}

// Refusal is a send refused before any message exists, with the reason: Slug
// and Title name the problem type, Extensions carry its details.
type Refusal struct {
	Slug, Title, Detail string
	Extensions          map[string]any
}

func (r *Refusal) Error() string { return r.Detail }

// Refusal slugs.
const (
	RefusedTemplateMissing     = "template-missing"
	RefusedTemplateNotApproved = "template-not-approved"
	RefusedNoRelay             = "no-relay"
	RefusedNoRecipients        = "no-recipients"
	RefusedMissingVariables    = "missing-variables"
)

// NotApproved is the refusal of an AlimTalk template Kakao has not approved;
// nil when t can be sent.
func NotApproved(t store.Template) *Refusal {
	if t.SendableAtProvider() {
		return nil
	}
	return &Refusal{Slug: RefusedTemplateNotApproved, Title: "Template not approved",
		Detail: fmt.Sprintf("AlimTalk template %d (%s) is %s at the provider; only templates Kakao has approved can be sent",
			t.ID, t.ProviderTemplateCode, t.ProviderStatus),
		Extensions: map[string]any{"provider_status": t.ProviderStatus, "template_id": t.ID}}
}

// Ready is what a send that passed its checks goes on with.
type Ready struct {
	Template   store.Template
	Recipients int64
}

// CheckSend checks everything that would make the draft's send fail for all
// or some recipients, in this order: the template exists and is approved, it
// renders for the account (a *render.InvalidTemplateError), an enabled relay
// carries its channel, the audience holds a recipient, and every recipient has
// the variables the template needs. A refusal is a *Refusal; other errors are
// the store's.
func (s *Service) CheckSend(ctx context.Context, camp store.Campaign) (Ready, error) {
	acc := camp.AccountID
	tpl, err := s.Store.Template(ctx, acc, camp.TemplateID)
	if errors.Is(err, store.ErrNotFound) {
		return Ready{}, &Refusal{Slug: RefusedTemplateMissing, Title: "Template missing",
			Detail: fmt.Sprintf("template %d no longer exists", camp.TemplateID)}
	}
	if err != nil {
		return Ready{}, err
	}
	if r := NotApproved(tpl); r != nil {
		return Ready{}, r
	}
	a, err := s.Store.Account(ctx, acc)
	if err != nil {
		return Ready{}, err
	}
	settings := render.AccountSettings{Name: a.Name, OptoutNumber: a.OptoutNumber}
	if problems := render.Validate(tpl.Content(), settings); len(problems) > 0 {
		return Ready{}, &render.InvalidTemplateError{Problems: problems}
	}
	if err := s.checkRelays(ctx, camp, tpl.Channel); err != nil {
		return Ready{}, err
	}
	var needed []string
	for _, v := range tpl.Content().Variables() {
		if _, fixed := camp.Variables[v]; !fixed {
			needed = append(needed, v)
		}
	}
	// One pass over the audience counts both; the customers lacking a value
	// are listed only when there are some.
	size, missing, err := s.Store.AudienceCheck(ctx, camp, tpl.Channel == render.ChannelEmail, needed)
	if err != nil {
		return Ready{}, err
	}
	if size == 0 {
		return Ready{}, &Refusal{Slug: RefusedNoRecipients, Title: "No recipients",
			Detail: "the campaign's groups hold no customer who can receive it (opted-out customers, and for text messages customers without a mobile number, are left out)"}
	}
	if missing > 0 {
		var customers []store.MissingVariables
		if missing, customers, err = s.Store.AudienceMissing(ctx, camp, needed, MaxListedCustomers); err != nil {
			return Ready{}, err
		}
		return Ready{}, &Refusal{Slug: RefusedMissingVariables, Title: "Missing variables",
			Detail: fmt.Sprintf("%d of %d recipients have no value for a variable the template needs (%s); give them the attribute or leave them out",
				missing, size, strings.Join(needed, ", ")),
			Extensions: map[string]any{"missing_count": missing, "customers": customers}}
	}
	return Ready{Template: tpl, Recipients: size}, nil
}

// checkRelays refuses a send no enabled relay could carry.
func (s *Service) checkRelays(ctx context.Context, camp store.Campaign, channel string) error {
	ok, err := RelayCarries(ctx, s.Store, camp.AccountID, camp.Routing, channel)
	if err != nil || ok {
		return err
	}
	which := "no enabled relay"
	if len(camp.Routing.Relays) > 0 {
		which = "none of the campaign's relays is enabled and"
	}
	return &Refusal{Slug: RefusedNoRelay, Title: "No relay for the channel",
		Detail: fmt.Sprintf("%s carries %s messages; add or enable one", which, channel)}
}

// RelayCarries reports whether an enabled relay of the routing (any enabled
// relay when it names none) carries channel.
func RelayCarries(ctx context.Context, st *store.Store, accountID int64, rt store.Routing, channel string) (bool, error) {
	relays, err := st.Relays(ctx, accountID, "", true)
	if err != nil {
		return false, err
	}
	named := map[int64]bool{}
	for _, rr := range rt.Relays {
		named[rr.RelayID] = true
	}
	for _, r := range relays {
		if len(named) > 0 && !named[r.ID] {
			continue
		}
		cand, err := routing.Candidate(r, r.Weight, relay.Options{})
		if err == nil && cand.Carries(relay.Channel(channel)) {
			return true, nil
		}
	}
	return false, nil
}

// Start starts run of the campaign's workflow (a first run joins one already
// running; see workflows.CampaignStartOptions), with the chunk size its
// routing splits evenly. by is who asked (nil: the system).
func (s *Service) Start(ctx context.Context, acc, id int64, run int, by *workflows.Actor) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), TemporalCallTimeout)
	defer cancel()
	weights, err := s.routingWeights(ctx, acc, id)
	if err != nil {
		return err
	}
	opts := workflows.CampaignStartOptions(s.TaskQueue, acc, id, run)
	in := workflows.CampaignInput{AccountID: acc, CampaignID: id, Run: run,
		ReportDeadline: s.ReportDeadline, ChunkSize: ChunkSize(s.ChunkSize, weights), Window: s.ChunkWindow,
		RequestedBy: by}
	_, err = s.Temporal.ExecuteWorkflow(ctx, opts, workflows.Campaign, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if run > 1 && errors.As(err, &started) {
		// A retry is asked for once the row is final, but the previous run
		// writes the final row just before it returns: it may still be closing.
		// Wait for it (within this call's time), then start the retry.
		_ = s.Temporal.GetWorkflow(ctx, opts.ID, "").Get(ctx, nil)
		_, err = s.Temporal.ExecuteWorkflow(ctx, opts, workflows.Campaign, in)
	}
	if err != nil {
		return fmt.Errorf("start campaign %d workflow (run %d): %w", id, run, err)
	}
	return nil
}

// routingWeights sums the weights weighted routing will split the campaign by.
func (s *Service) routingWeights(ctx context.Context, acc, id int64) (int, error) {
	camp, err := s.Store.Campaign(ctx, acc, id)
	if err != nil {
		return 0, err
	}
	if camp.Routing.Mode != "" && camp.Routing.Mode != string(relay.ModeWeighted) {
		return 0, nil
	}
	sum := 0
	for _, rr := range camp.Routing.Relays {
		sum += rr.Weight
	}
	if len(camp.Routing.Relays) == 0 {
		relays, err := s.Store.Relays(ctx, acc, "", true)
		if err != nil {
			return 0, err
		}
		for _, r := range relays {
			sum += r.Weight
		}
	}
	return sum, nil
}

// ChunkSize rounds the chunk size down to a multiple of the weights' sum, so
// that every full chunk splits exactly by the weights and the campaign as a whole
// splits as largest-remainder apportionment of its total (the router apportions
// each chunk; only the last chunk has a remainder).
func ChunkSize(size, weightSum int) int {
	if weightSum <= 0 || weightSum > size {
		return size
	}
	return size - size%weightSum
}

// Notice says whether the customers a restock served are being told.
type Notice struct {
	Status     string `json:"status"` // started | pending (sent once Temporal is reachable) | skipped
	CampaignID int64  `json:"campaign_id,omitempty"`
	Detail     string `json:"detail,omitempty"`
	// Err is why a pending notice was not started (for the log).
	Err error `json:"-"`
}

// StartRestockNotice starts the campaign that tells the customers a restock
// served that their reward is ready. The restock's own transaction created it
// (a draft, with a campaign_start in the outbox), so it is owed whatever happens
// next: started here at once, or, if Temporal cannot be reached (or this process
// dies first), by the outbox sweeper later. Either way it is sent once.
func (s *Service) StartRestockNotice(ctx context.Context, acc int64, res store.StockResult, by *workflows.Actor) Notice {
	n := res.Notice
	if n.CampaignID == 0 {
		return Notice{Status: "skipped", Detail: n.Skipped}
	}
	if err := s.Start(ctx, acc, n.CampaignID, 1, by); err != nil {
		return Notice{Status: "pending", CampaignID: n.CampaignID, Err: err,
			Detail: "the notice campaign is saved and will be sent as soon as the workflow engine can be reached"}
	}
	return Notice{Status: "started", CampaignID: n.CampaignID}
}
