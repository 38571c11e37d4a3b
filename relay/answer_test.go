package relay

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// wireAnswers are answers of the generic dialect, well formed or not.
var wireAnswers = []string{
	`{"messages":[{"id":"1","status":"accepted","provider_id":"p-1"},{"id":"2","status":"failed","error_code":"invalid_number","error_message":"no such number"}]}`,
	`{"messages":[]}`, `{}`, `null`, `{"messages":null}`,
	`{"messages":[{"id":"1","status":"accepted","extra":{"a":[1,2,{"b":null}]}}],"unknown":true}`,
	`{"MESSAGES":[{"ID":"1","Status":"delivered"}]}`,
	`{"messages":[{"id":"\u0031","status":"acc\"epted","error_message":"\ud55c\uae00 \u003cb\u003e"}]}`,
	"{\"messages\":[{\"id\":\"1\",\"error_message\":\"\xff\xfe\"}]}",
	`{"messages":[{"id":"1","status":"accepted"},{"id":"1","status":"failed"}]}`,
	`{"messages":[{"id":1}]}`, `{"messages":{"id":"1"}}`, `{"messages":[{"id":"1"}`, `{"messages":[]}x`, ``, `[`,
	`{"reports":[{"id":"7","status":"delivered","at":"2026-11-26T05:04:03.123456789Z"},{"id":"8","status":"failed","error_code":"expired","at":"2026-11-26T14:04:03+09:00"}],"next":"c-9","more":true}`,
	`{"reports":[{"id":"7","at":"yesterday"}]}`, `{"reports":[{"id":"7","at":null}],"more":false}`, `{"reports":[],"more":"yes"}`,
}

// TestAnswersReadAsEncodingJSONDoes: the dialect's answers decode to what
// encoding/json makes of them, and fail where it fails.
func TestAnswersReadAsEncodingJSONDoes(t *testing.T) {
	for _, body := range wireAnswers {
		for _, v := range []func() any{func() any { return &WireSendAnswer{} }, func() any { return &WireReports{} }} {
			got, want := v(), v()
			gotErr, wantErr := readAnswer([]byte(body), got), json.Unmarshal([]byte(body), want)
			if (gotErr != nil) != (wantErr != nil) {
				t.Errorf("%T of %q: error %v, encoding/json's %v", got, body, gotErr, wantErr)
				continue
			}
			if gotErr == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("%T of %q: read %+v, encoding/json reads %+v", got, body, got, want)
			}
		}
	}
}

// BenchmarkReadAnswer decodes a full /send answer (500 results) and a page of
// 1,000 reports as the worker does, and with encoding/json in the same run.
//
//	go test ./relay -run '^$' -bench ReadAnswer
func BenchmarkReadAnswer(b *testing.B) {
	var send WireSendAnswer
	var reports WireReports
	for i := range 1000 {
		if i < httpMaxBatch {
			send.Messages = append(send.Messages, WireResult{ID: fmt.Sprint(1_000_000 + i), Status: "accepted", ProviderID: fmt.Sprintf("sim-%d", i)})
		}
		reports.Reports = append(reports.Reports, WireReport{ID: fmt.Sprint(1_000_000 + i), Status: "delivered",
			ProviderID: fmt.Sprintf("sim-%d", i), At: time.Now()})
	}
	for _, c := range []struct {
		name string
		v    any
		new  func() any
	}{
		{"send", send, func() any { return &WireSendAnswer{} }},
		{"reports", reports, func() any { return &WireReports{} }},
	} {
		body, _ := json.Marshal(c.v)
		for _, d := range []struct {
			name string
			read func([]byte, any) error
		}{{"readAnswer", readAnswer}, {"encoding-json", json.Unmarshal}} {
			b.Run(c.name+"/"+d.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := d.read(body, c.new()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
