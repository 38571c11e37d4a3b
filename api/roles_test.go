package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

// roles, from least to most, as openapi.yaml's x-required-role names them.
var roles = []string{"viewer", "sender", "admin", "owner"}

func roleRank(r string) int { return slices.Index(roles, r) }

// specOperation is one operation of api/openapi.yaml and who may call it.
type specOperation struct {
	method, path, id string
	role             string // x-required-role
	apiKeys          bool   // its security lists apiKey
}

// specOperations reads every operation of the served spec.
func specOperations(t *testing.T) []specOperation {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPISpec())
	if err != nil {
		t.Fatal(err)
	}
	var ops []specOperation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := specOperation{method: method, path: path, id: op.OperationID}
			if v, ok := op.Extensions["x-required-role"]; ok {
				o.role = strings.Trim(fmt.Sprint(v), `"`)
			}
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			for _, req := range sec {
				if _, ok := req["apiKey"]; ok {
					o.apiKeys = true
				}
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	return ops
}

// roleCaller is one of the callers every route is tried as.
type roleCaller struct {
	role string
	key  bool // an API key with the role, else a user
	c    *apitest.Client
}

func (rc roleCaller) String() string {
	if rc.key {
		return rc.role + " API key"
	}
	return rc.role + " user"
}

// call is the request a probe makes for one caller.
type call struct {
	path   string
	body   any
	upload []byte // a multipart "file" instead of a JSON body
	// as is another client of the caller's kind and role to send it with,
	// for routes that change the caller's own session (logout-all, password).
	as func(role string) *apitest.Client
	// stream: the answer is an event stream; only its status is read.
	stream bool
}

// send makes the call as c and answers the response (of a stream: its
// status, and the body only of a refusal).
func (cl call) send(t *testing.T, c *apitest.Client, method string) *apitest.Response {
	t.Helper()
	switch {
	case cl.upload != nil:
		return c.Upload(cl.path, "file", "x.csv", cl.upload, nil)
	case cl.stream:
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+cl.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
		if c.APIKey != "" {
			req.Header.Set("X-API-Key", c.APIKey)
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
				t.Errorf("%s: a stream of %s", cl.path, ct)
			}
			return &apitest.Response{Status: resp.StatusCode, Header: resp.Header}
		}
		cancel()
		return c.Do(method, cl.path, nil) // a refusal: read it whole, checked against the spec
	}
	return c.Do(method, cl.path, cl.body)
}

// roleFixture is one account with data every probe can use; fresh things
// (a draft to delete, a member to remove) are made by the owner per call.
type roleFixture struct {
	t                    *testing.T
	h                    *harness
	owner                *apitest.Client
	group, group2        int64
	customer             int64
	importID             int64
	template, adTemplate int64
	relay, failRelay     int64
	campaign, draft      int64
	failing              int64 // a campaign whose messages fail, to retry
	event, tier          int64
	simBase, failSimBase string
	seq                  int
}

func (f *roleFixture) next() int { f.seq++; return f.seq }

func (f *roleFixture) name(prefix string) string { return fmt.Sprintf("%s %d", prefix, f.next()) }

func (f *roleFixture) phone() string {
	n := f.next()
	return fmt.Sprintf("010-4%03d-%04d", n/10000, n%10000)
}

func (f *roleFixture) newCustomer() int64 {
	var out customerOut
	f.owner.Do("POST", "/api/v1/customers", map[string]any{"name": f.name("고객"), "phone": f.phone(),
		"group_ids": []int64{f.group}}).Expect(201).JSON(&out)
	return out.ID
}

func (f *roleFixture) newImport() importOut {
	var im importOut
	csv := fmt.Sprintf("이름,휴대폰\n가져온%d,%s\n", f.next(), f.phone())
	f.owner.Upload("/api/v1/imports", "file", "x.csv", []byte(csv), nil).Expect(201).JSON(&im)
	return im
}

func (f *roleFixture) newDraft(template int64, extra map[string]any) int64 {
	body := map[string]any{"name": f.name("캠페인"), "template_id": template, "group_ids": []int64{f.group},
		"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": f.relay, "weight": 1}}}}
	for k, v := range extra {
		body[k] = v
	}
	var out campaignOut
	f.owner.Do("POST", "/api/v1/campaigns", body).Expect(201).JSON(&out)
	return out.ID
}

// running is a sent advertisement held by quiet hours (the account's time
// zone is in them), so it stays running until paused or cancelled.
func (f *roleFixture) running() int64 {
	id := f.newDraft(f.adTemplate, nil)
	f.owner.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	return id
}

func (f *roleFixture) paused() int64 {
	id := f.running()
	f.owner.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/pause", id), nil).Expect(202)
	waitCampaign(f.t, f.owner, id, "paused")
	return id
}

func (f *roleFixture) scheduled() int64 {
	id := f.newDraft(f.template, map[string]any{"scheduled_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
	f.owner.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	return id
}

// finished waits until the campaign and its workflow run have ended, so that
// each retry probe retries a finished campaign.
func (f *roleFixture) finished(id int64) {
	waitCampaign(f.t, f.owner, id)
	if err := f.h.tc.GetWorkflow(context.Background(), workflows.CampaignWorkflowID(id), "").Get(context.Background(), nil); err != nil {
		f.t.Fatalf("campaign %d workflow: %v", id, err)
	}
}

// scheduleBody is a recurring campaign that would first run next January.
func (f *roleFixture) scheduleBody() map[string]any {
	return map[string]any{"name": f.name("일정"), "template_id": f.template, "group_ids": []int64{f.group}, "cron": "0 9 1 1 *"}
}

func (f *roleFixture) newSchedule() int64 {
	var s scheduleOut
	f.owner.Do("POST", "/api/v1/campaign-schedules", f.scheduleBody()).Expect(201).JSON(&s)
	return s.ID
}

// aligoRelay is an AlimTalk relay at the simulator's Aligo dialect, whose
// provider templates can be synced.
func (f *roleFixture) aligoRelay() int64 {
	var r relayOut
	f.owner.Do("POST", "/api/v1/relays", map[string]any{"name": fmt.Sprintf("aligo-%d", f.next()), "kind": "aligo-alimtalk",
		"channel": "alimtalk", "config": map[string]any{"base_url": f.simBase, "apikey": "K", "userid": "shop",
			"senderkey": "SK", "sender": "02-123-4567"}}).Expect(201).JSON(&r)
	return r.ID
}

func (f *roleFixture) newRelay(base string) int64 {
	return simRelay(f.t, f.owner, fmt.Sprintf("relay-%d", f.next()), base, "sms", 1)
}

func newRoleFixture(t *testing.T, h *harness) *roleFixture {
	t.Helper()
	token, _ := h.signup(t)
	f := &roleFixture{t: t, h: h, owner: h.c.As(token)}
	o := f.owner
	o.Do("PATCH", "/api/v1/account", map[string]any{"timezone": nightZone(t), "optout_number": "080-123-4567"}).Expect(200)
	_, f.simBase = startSim(t, sim.Settings{ReportDelay: sim.Duration(50 * time.Millisecond)})
	_, f.failSimBase = startSim(t, sim.Settings{RecipientFailRate: 1})
	f.relay = f.newRelay(f.simBase)
	f.failRelay = f.newRelay(f.failSimBase)
	f.group = createGroup(t, o, "역할 고객").ID
	f.group2 = createGroup(t, o, "역할 고객 2").ID
	f.customer = f.newCustomer()
	f.importID = f.newImport().ID
	var tpl templateOut
	o.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안녕하세요"}).Expect(201).JSON(&tpl)
	f.template = tpl.ID
	o.Do("POST", "/api/v1/templates", map[string]any{"name": "광고", "channel": "sms", "body": "주말 특가", "advertisement": true}).
		Expect(201).JSON(&tpl)
	f.adTemplate = tpl.ID
	f.draft = f.newDraft(f.template, nil)
	f.campaign = f.newDraft(f.template, nil)
	o.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", f.campaign), nil).Expect(202)
	waitCampaign(t, o, f.campaign, "completed")
	f.failing = f.newDraft(f.template, map[string]any{"routing": map[string]any{"mode": "weighted",
		"relays": []map[string]any{{"relay_id": f.failRelay, "weight": 1}}}})
	o.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", f.failing), nil).Expect(202)
	today := time.Now().In(mustZone(t, "Asia/Seoul")).Format(time.DateOnly)
	f.event = createEvent(t, o, map[string]any{"name": "출석", "starts_on": today, "ends_on": today}).ID
	f.tier = createTier(t, o, f.event, 1, "커피", 100, 0).ID
	return f
}

// probes say how to call each authenticated operation so that a caller
// allowed to call it succeeds (2xx). An operation without a probe fails the
// test: a new route needs one here, and a role in openapi.yaml.
var probes = map[string]func(f *roleFixture) call{
	"getMe": func(f *roleFixture) call { return call{path: "/api/v1/me"} },
	"updateAccount": func(f *roleFixture) call {
		return call{path: "/api/v1/account", body: map[string]any{"name": "Acme 상점"}}
	},
	"listAPIKeys": func(f *roleFixture) call { return call{path: "/api/v1/api-keys"} },
	"createAPIKey": func(f *roleFixture) call {
		return call{path: "/api/v1/api-keys", body: map[string]any{"name": f.name("key")}}
	},
	"deleteAPIKey": func(f *roleFixture) call {
		_, id := createKey(f.t, f.owner, "viewer")
		return call{path: fmt.Sprintf("/api/v1/api-keys/%d", id)}
	},

	"listMembers": func(f *roleFixture) call { return call{path: "/api/v1/members"} },
	"updateMember": func(f *roleFixture) call {
		_, m := f.h.member(f.t, f.owner, "viewer")
		return call{path: fmt.Sprintf("/api/v1/members/%d", m.ID), body: map[string]any{"role": "sender"}}
	},
	"removeMember": func(f *roleFixture) call {
		_, m := f.h.member(f.t, f.owner, "viewer")
		return call{path: fmt.Sprintf("/api/v1/members/%d", m.ID)}
	},
	"listInvitations": func(f *roleFixture) call { return call{path: "/api/v1/invitations"} },
	"createInvitation": func(f *roleFixture) call {
		return call{path: "/api/v1/invitations", body: map[string]any{"email": uniqueEmail("invited"), "role": "viewer"}}
	},
	"deleteInvitation": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/invitations/%d", invite(f.t, f.owner, "viewer").ID)}
	},
	"changePassword": func(f *roleFixture) call {
		return call{path: "/api/v1/auth/password", body: map[string]any{"current_password": memberPassword, "new_password": "N3w-Passw0rd!"},
			as: f.freshMember}
	},
	"logoutAll": func(f *roleFixture) call { return call{path: "/api/v1/auth/logout-all", as: f.freshMember} },
	"listAudit": func(f *roleFixture) call { return call{path: "/api/v1/audit"} },

	"listCustomers": func(f *roleFixture) call { return call{path: "/api/v1/customers"} },
	"createCustomer": func(f *roleFixture) call {
		return call{path: "/api/v1/customers", body: map[string]any{"name": f.name("고객"), "phone": f.phone()}}
	},
	"getCustomer": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/customers/%d", f.customer)} },
	"updateCustomer": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/customers/%d", f.customer), body: map[string]any{"name": f.name("고객")}}
	},
	"deleteCustomer": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/customers/%d", f.newCustomer())} },

	"listGroups": func(f *roleFixture) call { return call{path: "/api/v1/groups"} },
	"createGroup": func(f *roleFixture) call {
		return call{path: "/api/v1/groups", body: map[string]any{"name": f.name("그룹")}}
	},
	"getGroup": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/groups/%d", f.group)} },
	"renameGroup": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/groups/%d", f.group2), body: map[string]any{"name": f.name("그룹")}}
	},
	"deleteGroup": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/groups/%d", createGroup(f.t, f.owner, f.name("지울 그룹")).ID)}
	},
	"listGroupCustomers": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/groups/%d/customers", f.group)} },
	"addGroupMembers": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/groups/%d/members", f.group2), body: map[string]any{"customer_ids": []int64{f.newCustomer()}}}
	},
	"removeGroupMembers": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/groups/%d/members", f.group), body: map[string]any{"customer_ids": []int64{f.newCustomer()}}}
	},
	"copyGroupMembers": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/groups/%d/members/copy", f.group),
			body: map[string]any{"customer_ids": []int64{f.newCustomer()}, "to_group_id": f.group2}}
	},
	"moveGroupMembers": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/groups/%d/members/move", f.group),
			body: map[string]any{"customer_ids": []int64{f.newCustomer()}, "to_group_id": f.group2}}
	},

	"listImports": func(f *roleFixture) call { return call{path: "/api/v1/imports"} },
	"createImport": func(f *roleFixture) call {
		return call{path: "/api/v1/imports", upload: []byte(fmt.Sprintf("이름,휴대폰\n새고객,%s\n", f.phone()))}
	},
	"getImportSample": func(f *roleFixture) call { return call{path: "/api/v1/imports/sample.xlsx"} },
	"getImport":       func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/imports/%d", f.importID)} },
	"listImportRows":  func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/imports/%d/rows", f.importID)} },
	"deleteImportRows": func(f *roleFixture) call {
		im := f.newImport()
		rows := importRows(f.t, f.owner, im.ID, "")
		return call{path: fmt.Sprintf("/api/v1/imports/%d/rows", im.ID), body: map[string]any{"row_ids": []int64{rows[0].ID}}}
	},
	"commitImport": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/imports/%d/commit", f.newImport().ID), body: map[string]any{"group_id": f.group2}}
	},

	"listTemplates": func(f *roleFixture) call { return call{path: "/api/v1/templates"} },
	"createTemplate": func(f *roleFixture) call {
		return call{path: "/api/v1/templates", body: map[string]any{"name": f.name("템플릿"), "channel": "sms", "body": "안녕하세요"}}
	},
	"getTemplate": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/templates/%d", f.template)} },
	"updateTemplate": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/templates/%d", f.template), body: map[string]any{"name": f.name("안내")}}
	},
	"deleteTemplate": func(f *roleFixture) call {
		var tpl templateOut
		f.owner.Do("POST", "/api/v1/templates", map[string]any{"name": f.name("지울"), "channel": "sms", "body": "x"}).Expect(201).JSON(&tpl)
		return call{path: fmt.Sprintf("/api/v1/templates/%d", tpl.ID)}
	},
	"previewTemplate": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/templates/%d/preview", f.template), body: map[string]any{"variables": map[string]string{"이름": "김"}}}
	},

	"listRelays": func(f *roleFixture) call { return call{path: "/api/v1/relays"} },
	"createRelay": func(f *roleFixture) call {
		return call{path: "/api/v1/relays", body: map[string]any{"name": f.name("relay"), "kind": "simulator", "channel": "sms",
			"config": map[string]any{"base_url": f.simBase, "name": "x"}}}
	},
	"getRelayHealth":         func(f *roleFixture) call { return call{path: "/api/v1/relays/health"} },
	"getRelayRecommendation": func(f *roleFixture) call { return call{path: "/api/v1/relays/recommendation?channel=sms"} },
	"getRelay":               func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/relays/%d", f.relay)} },
	"updateRelay": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/relays/%d", f.relay), body: map[string]any{"weight": 1 + f.next()%5}}
	},
	"deleteRelay": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/relays/%d", f.newRelay(f.simBase))} },

	"listCampaigns": func(f *roleFixture) call { return call{path: "/api/v1/campaigns"} },
	"createCampaign": func(f *roleFixture) call {
		return call{path: "/api/v1/campaigns", body: map[string]any{"name": f.name("캠페인"), "template_id": f.template,
			"group_ids": []int64{f.group}}}
	},
	"getCampaign": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/campaigns/%d", f.campaign)} },
	"updateCampaign": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d", f.draft), body: map[string]any{"name": f.name("캠페인")}}
	},
	"deleteCampaign": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d", f.newDraft(f.template, nil))}
	},
	"sendCampaign": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d/send", f.newDraft(f.template, nil))}
	},
	"getCampaignProgress": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/campaigns/%d/progress", f.campaign)} },
	"pauseCampaign":       func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/campaigns/%d/pause", f.running())} },
	"resumeCampaign":      func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/campaigns/%d/resume", f.paused())} },
	"cancelCampaign": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d/cancel", f.scheduled())}
	},
	"retryFailedMessages": func(f *roleFixture) call {
		f.finished(f.failing)
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d/retry-failed", f.failing)}
	},
	"getCampaignResults":   func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/campaigns/%d/results", f.campaign)} },
	"listCampaignMessages": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/campaigns/%d/messages", f.campaign)} },
	"exportCampaignMessages": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=csv", f.campaign)}
	},
	"previewCampaignAudience": func(f *roleFixture) call {
		return call{path: "/api/v1/campaigns/audience-preview", body: map[string]any{"group_ids": []int64{f.group}, "template_id": f.template}}
	},
	"getCampaignSummary": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/campaigns/%d/summary", f.draft)} },
	"createCampaignAudience": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d/audience", f.campaign),
			body: map[string]any{"outcome": "delivered", "new_group_name": f.name("재타깃")}}
	},
	"getCampaignAudience": func(f *roleFixture) call {
		var a audienceOut
		f.owner.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/audience", f.campaign),
			map[string]any{"outcome": "delivered", "new_group_name": f.name("재타깃")}).Expect(202).JSON(&a)
		return call{path: fmt.Sprintf("/api/v1/campaigns/%d/audience/%d", f.campaign, a.ID)}
	},
	"listCampaignSchedules": func(f *roleFixture) call { return call{path: "/api/v1/campaign-schedules"} },
	"createCampaignSchedule": func(f *roleFixture) call {
		return call{path: "/api/v1/campaign-schedules", body: f.scheduleBody()}
	},
	"getCampaignSchedule": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaign-schedules/%d", f.newSchedule())}
	},
	"updateCampaignSchedule": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaign-schedules/%d", f.newSchedule()), body: map[string]any{"name": f.name("일정")}}
	},
	"deleteCampaignSchedule": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaign-schedules/%d", f.newSchedule())}
	},
	"pauseCampaignSchedule": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaign-schedules/%d/pause", f.newSchedule())}
	},
	"unpauseCampaignSchedule": func(f *roleFixture) call {
		id := f.newSchedule()
		f.owner.Do("POST", fmt.Sprintf("/api/v1/campaign-schedules/%d/pause", id), nil).Expect(200)
		return call{path: fmt.Sprintf("/api/v1/campaign-schedules/%d/unpause", id)}
	},
	"triggerCampaignSchedule": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/campaign-schedules/%d/trigger", f.newSchedule())}
	},
	"importOptOuts": func(f *roleFixture) call {
		return call{path: "/api/v1/opt-outs", upload: []byte(fmt.Sprintf("전화번호\n%s\n", f.phone()))}
	},
	"syncRelayTemplates": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/relays/%d/templates/sync", f.aligoRelay())}
	},
	"getCurrentStats": func(f *roleFixture) call { return call{path: "/api/v1/stats/current"} },
	"getStatsSeries":  func(f *roleFixture) call { return call{path: "/api/v1/stats/series"} },

	"listEvents": func(f *roleFixture) call { return call{path: "/api/v1/events"} },
	"createEvent": func(f *roleFixture) call {
		return call{path: "/api/v1/events", body: map[string]any{"name": f.name("행사"), "starts_on": "2030-01-01", "ends_on": "2030-01-31"}}
	},
	"getEvent": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/events/%d", f.event)} },
	"updateEvent": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/events/%d", f.event), body: map[string]any{"name": f.name("출석")}}
	},
	"deleteEvent": func(f *roleFixture) call {
		id := createEvent(f.t, f.owner, map[string]any{"name": f.name("지울 행사"), "starts_on": "2030-01-01", "ends_on": "2030-01-02"}).ID
		return call{path: fmt.Sprintf("/api/v1/events/%d", id)}
	},
	"listTiers": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/events/%d/tiers", f.event)} },
	"createTier": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/events/%d/tiers", f.event), body: map[string]any{"days": 1 + f.next(), "name": "쿠폰", "stock": 5}}
	},
	"getTier": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/events/%d/tiers/%d", f.event, f.tier)}
	},
	"updateTier": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/events/%d/tiers/%d", f.event, f.tier), body: map[string]any{"name": f.name("커피")}}
	},
	"listStockAdjustments": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", f.event, f.tier)}
	},
	"adjustStock": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", f.event, f.tier), body: map[string]any{"delta": 1, "reason": "입고"}}
	},
	"checkIn": func(f *roleFixture) call {
		id := f.newCustomer()
		recordPurchase(f.t, f.owner, id, f.name("order"))
		return call{path: fmt.Sprintf("/api/v1/events/%d/check-ins", f.event), body: map[string]any{"customer": map[string]any{"id": id}}}
	},
	"getCustomerAttendance": func(f *roleFixture) call {
		return call{path: fmt.Sprintf("/api/v1/events/%d/customers/%d/attendance", f.event, f.customer)}
	},
	"listEventAttendance": func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/events/%d/attendance", f.event)} },
	"listGrants":          func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/events/%d/grants", f.event)} },
	"listAlerts":          func(f *roleFixture) call { return call{path: fmt.Sprintf("/api/v1/events/%d/alerts", f.event)} },
	"listPurchases":       func(f *roleFixture) call { return call{path: "/api/v1/purchases"} },

	"listCustomerVariables":    func(f *roleFixture) call { return call{path: "/api/v1/customers/variables"} },
	"listNotifications":        func(f *roleFixture) call { return call{path: "/api/v1/notifications"} },
	"countUnreadNotifications": func(f *roleFixture) call { return call{path: "/api/v1/notifications/unread-count"} },
	"markNotificationsRead": func(f *roleFixture) call {
		return call{path: "/api/v1/notifications/read", body: map[string]any{"all": true}}
	},
	"createStreamTicket": func(f *roleFixture) call { return call{path: "/api/v1/stream/ticket"} },
	"openEventStream":    func(f *roleFixture) call { return call{path: "/api/v1/stream", stream: true} },
	"createPurchase": func(f *roleFixture) call {
		return call{path: "/api/v1/purchases", body: map[string]any{"customer": map[string]any{"id": f.customer},
			"order_id": f.name("order"), "amount": 12000}}
	},
}

// freshMember is a new user with the role (for routes that end the caller's
// sessions).
func (f *roleFixture) freshMember(role string) *apitest.Client {
	c, _ := f.h.member(f.t, f.owner, role)
	return c
}

// Every operation in api/openapi.yaml, tried by a user of every role and an
// API key of every role a key can have: a caller whose role reaches the
// operation's x-required-role (and, for a key, whose operation lists apiKey)
// succeeds; every other caller gets 403 forbidden. An operation without a
// declared role, or without a probe here, fails the test. Then another
// account's owner tries every operation on a resource: 404, always.
func TestEveryRouteByEveryRole(t *testing.T) {
	h := newHarness(t)
	f := newRoleFixture(t, h)
	var callers []roleCaller
	for _, r := range roles {
		c := f.owner
		if r != "owner" {
			c, _ = h.member(t, f.owner, r)
		}
		callers = append(callers, roleCaller{role: r, c: c})
	}
	for _, r := range roles[:3] {
		c, _ := createKey(t, f.owner, r)
		callers = append(callers, roleCaller{role: r, key: true, c: c})
	}

	tried := 0
	for _, op := range specOperations(t) {
		switch {
		case op.role == "":
			t.Errorf("%s (%s %s) declares no x-required-role", op.id, op.method, op.path)
			continue
		case op.role == "public":
			continue // nobody's role matters; their own tests call them
		case roleRank(op.role) < 0:
			t.Errorf("%s: unknown x-required-role %q", op.id, op.role)
			continue
		}
		probe, ok := probes[op.id]
		if !ok {
			t.Errorf("%s (%s %s, %s) has no probe in roles_test.go", op.id, op.method, op.path, op.role)
			continue
		}
		for _, rc := range callers {
			allowed := roleRank(rc.role) >= roleRank(op.role) && (!rc.key || op.apiKeys)
			cl := probe(f)
			c := rc.c
			if cl.as != nil && !rc.key {
				c = cl.as(rc.role)
			}
			resp := cl.send(t, c, op.method)
			tried++
			switch {
			case allowed && (resp.Status < 200 || resp.Status > 299):
				t.Errorf("%s as %s (allowed from %s): %d, want 2xx: %.300s", op.id, rc, op.role, resp.Status, resp.Body)
			case !allowed && resp.Status != http.StatusForbidden:
				t.Errorf("%s as %s (needs %s, api keys %v): %d, want 403: %.300s", op.id, rc, op.role, op.apiKeys, resp.Status, resp.Body)
			case !allowed && resp.Slug() != "forbidden":
				t.Errorf("%s as %s: problem %s, want forbidden", op.id, rc, resp.Slug())
			}
		}
	}
	if tried < 500 {
		t.Fatalf("tried %d calls; the spec walk found too few operations", tried)
	}

	// Another account's owner may call everything, but none of this
	// account's resources exists for them.
	otherToken, _ := h.signup(t)
	other := h.c.As(otherToken)
	for _, op := range specOperations(t) {
		probe, ok := probes[op.id]
		if !ok || !strings.Contains(op.path, "{") {
			continue
		}
		resp := probe(f).send(t, other, op.method)
		if resp.Status != http.StatusNotFound {
			t.Errorf("%s on another account's resource: %d, want 404: %.300s", op.id, resp.Status, resp.Body)
		}
	}
}

// The policy behind the roles, checked on the spec itself: a viewer only
// reads (and manages their own session); nothing about keys, members,
// invitations or relays' settings is below admin; a key never manages keys,
// members or invitations.
func TestRolePolicyInTheSpec(t *testing.T) {
	// Routes that change only the caller's own state.
	selfService := map[string]bool{"changePassword": true, "logoutAll": true, "markNotificationsRead": true,
		"createStreamTicket": true}
	for _, op := range specOperations(t) {
		if op.role == "viewer" && op.method != http.MethodGet && !selfService[op.id] {
			t.Errorf("%s (%s) is open to viewers but is no read", op.id, op.method)
		}
		adminOnly := strings.Contains(op.path, "/api-keys") || strings.Contains(op.path, "/invitations") ||
			strings.HasPrefix(op.path, "/api/v1/audit") || (strings.Contains(op.path, "/members") && !strings.Contains(op.path, "/groups/") && op.method != http.MethodGet) ||
			(op.path == "/api/v1/relays" && op.method == http.MethodPost) || (op.path == "/api/v1/relays/{id}" && op.method != http.MethodGet)
		if adminOnly && roleRank(op.role) < roleRank("admin") {
			t.Errorf("%s (%s %s) needs only %s; it should need admin", op.id, op.method, op.path, op.role)
		}
		peopleOnly := strings.Contains(op.path, "/api-keys") || strings.Contains(op.path, "/invitations") ||
			(strings.HasPrefix(op.path, "/api/v1/members/")) || selfService[op.id]
		if peopleOnly && op.apiKeys {
			t.Errorf("%s (%s %s) is open to API keys", op.id, op.method, op.path)
		}
	}
}

// The served routes and the spec agree: the server refuses to start
// otherwise (checked here through a fresh handler), and every route answers
// something other than "no route".
func TestEverySpecRouteIsServed(t *testing.T) {
	h := newHarness(t)
	c := apitest.New(t, h.srv.URL)
	c.SkipSpec = true
	for _, op := range specOperations(t) {
		path := strings.NewReplacer("{id}", "1", "{tier_id}", "1", "{customer_id}", "1", "{token}", "AAAAAAAAAAAAAAAAAAAAAA").Replace(op.path)
		req, err := http.NewRequestWithContext(context.Background(), op.method, h.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp := c.Send(req)
		if resp.Status == http.StatusNotFound && strings.Contains(string(resp.Body), "no route") || resp.Status == http.StatusMethodNotAllowed {
			t.Errorf("%s %s (%s) is not served: %d", op.method, op.path, op.id, resp.Status)
		}
	}
}

// nightZone is a fixed-offset zone where it is now 01:00, inside the quiet
// hours advertisements wait out, for hours to come.
func nightZone(t *testing.T) string {
	name, _ := quietZone(t, 1)
	return name
}
