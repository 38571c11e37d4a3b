package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
)

// checkDevEgress is what `make dev` promises about outbound safety, against the
// running `sendingo dev` at apiBase: relays at the metadata address or at MySQL
// are refused, one at the dev relay simulator is accepted, and a message sent
// through it arrives there (the worker's dial-time guard lets the simulator
// through as well).
func checkDevEgress(t *testing.T, apiBase, simAddr string) {
	t.Helper()
	c := apitest.New(t, apiBase)
	var su struct {
		Token string `json:"token"`
	}
	c.Do("POST", "/api/v1/auth/signup", map[string]any{"account_name": "dev", "name": "dev",
		"email": fmt.Sprintf("dev-%d@example.com", time.Now().UnixNano()), "password": "Dev-Passw0rd"}).Expect(201).JSON(&su)
	c = c.As(su.Token)
	relay := func(base string) map[string]any {
		return map[string]any{"name": "sim-sms", "kind": "simulator", "channel": "sms", "config": map[string]any{"base_url": base, "name": "sim-sms"}}
	}
	for _, base := range []string{"http://169.254.169.254/", "http://127.0.0.1:3306/"} {
		p := c.Do("POST", "/api/v1/relays", relay(base)).Expect(422).Problem()
		if len(p.Errors) != 1 || p.Errors[0].Field != "config.base_url" || !strings.Contains(p.Errors[0].Message, "SENDINGO_ALLOW_PRIVATE_HOSTS") {
			t.Fatalf("relay at %s: %+v", base, p)
		}
	}
	var r struct{ ID int64 }
	c.Do("POST", "/api/v1/relays", relay("http://"+simAddr)).Expect(201).JSON(&r)

	var cust struct{ ID int64 }
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "개발", "phone": "010-4000-0001"}).Expect(201).JSON(&cust)
	var g struct{ ID int64 }
	c.Do("POST", "/api/v1/groups", map[string]any{"name": "dev"}).Expect(201).JSON(&g)
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", g.ID), map[string]any{"customer_ids": []int64{cust.ID}}).Expect(200)
	var tpl struct{ ID int64 }
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "dev", "channel": "sms", "body": "#{이름}님 안녕하세요"}).Expect(201).JSON(&tpl)
	var camp struct{ ID int64 }
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "dev", "template_id": tpl.ID, "group_ids": []int64{g.ID}}).Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var st struct {
			Unique int64 `json:"unique"`
		}
		if resp, err := http.Get("http://" + simAddr + "/stats"); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		if st.Unique == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the message never reached the dev simulator (%d there)", st.Unique)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
