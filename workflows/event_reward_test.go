package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// fakeStock is an in-memory StockMonitorActivities.
type fakeStock struct {
	mu       sync.Mutex
	stock    StockChanged // what a reconcile reads
	deleted  bool         // the tier is gone
	reads    int
	alerts   []RecordStockAlertInput
	emails   []int64 // alert ids mailed
	webhooks []int64 // alert ids posted
	emailErr error
	failed   []MarkStockAlertFailedInput
}

func (f *fakeStock) ReadTierStock(_ context.Context, in ReadTierStockInput) (ReadTierStockResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.deleted {
		return ReadTierStockResult{}, nil
	}
	return ReadTierStockResult{Found: true, Stock: f.stock}, nil
}

func (f *fakeStock) RecordStockAlert(_ context.Context, in RecordStockAlertInput) (RecordStockAlertResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alerts = append(f.alerts, in)
	return RecordStockAlertResult{AlertID: int64(len(f.alerts)), Email: true, Webhook: true}, nil
}

func (f *fakeStock) SendStockAlertEmail(_ context.Context, in SendStockAlertInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.emailErr != nil {
		return f.emailErr
	}
	f.emails = append(f.emails, in.AlertID)
	return nil
}

func (f *fakeStock) SendStockAlertWebhook(_ context.Context, in SendStockAlertInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.webhooks = append(f.webhooks, in.AlertID)
	return nil
}

func (f *fakeStock) MarkStockAlertFailed(_ context.Context, in MarkStockAlertFailedInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = append(f.failed, in)
	return nil
}

func (f *fakeStock) setDeleted() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = true
}

func registerStock(env *testsuite.TestWorkflowEnvironment, f *fakeStock) {
	env.RegisterWorkflow(RewardStockMonitor)
	env.RegisterActivityWithOptions(f.ReadTierStock, activity.RegisterOptions{Name: ActivityReadTierStock})
	env.RegisterActivityWithOptions(f.RecordStockAlert, activity.RegisterOptions{Name: ActivityRecordStockAlert})
	env.RegisterActivityWithOptions(f.SendStockAlertEmail, activity.RegisterOptions{Name: ActivitySendStockAlertEmail})
	env.RegisterActivityWithOptions(f.SendStockAlertWebhook, activity.RegisterOptions{Name: ActivitySendStockAlertWebhook})
	env.RegisterActivityWithOptions(f.MarkStockAlertFailed, activity.RegisterOptions{Name: ActivityMarkStockAlertFailed})
}

func queryMonitor(t *testing.T, env *testsuite.TestWorkflowEnvironment) StockMonitorState {
	t.Helper()
	v, err := env.QueryWorkflow(QueryStockMonitor)
	if err != nil {
		t.Fatal(err)
	}
	var st StockMonitorState
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// One alert per fall to the threshold; a stale (older) signal changes nothing;
// rising above the threshold re-arms; the monitor ends when its tier is gone.
func TestStockMonitorAlertsOncePerCrossingAndRearms(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeStock{}
	registerStock(env, f)
	steps := []StockChanged{
		{Version: 2, Stock: 12, Threshold: 10}, // above: nothing
		{Version: 3, Stock: 10, Threshold: 10}, // reaches the threshold: alert 1
		{Version: 4, Stock: 9, Threshold: 10},  // still low: nothing
		{Version: 2, Stock: 12, Threshold: 10}, // stale, arrives late: ignored (no re-arm)
		{Version: 5, Stock: 8, Threshold: 10},  // still low: nothing
		{Version: 6, Stock: 11, Threshold: 10}, // restocked above: re-armed
		{Version: 7, Stock: 0, Threshold: 10},  // falls again: alert 2
	}
	for i, sc := range steps {
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalStockChanged, sc) }, time.Duration(i+1)*time.Minute)
	}
	var mid StockMonitorState
	env.RegisterDelayedCallback(func() { mid = queryMonitor(t, env) }, 5*time.Minute+30*time.Second)
	var last StockMonitorState
	env.RegisterDelayedCallback(func() {
		last = queryMonitor(t, env)
		f.setDeleted() // the next reconcile (at 10 minutes) finds the tier gone
	}, 9*time.Minute)
	env.ExecuteWorkflow(RewardStockMonitor, StockMonitorInput{AccountID: 1, EventID: 2, TierID: 3})

	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: completed=%v err=%v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if len(f.alerts) != 2 || f.alerts[0].Stock.Version != 3 || f.alerts[1].Stock.Version != 7 {
		t.Fatalf("alerts %+v, want at versions 3 and 7", f.alerts)
	}
	if f.alerts[0].TierID != 3 || f.alerts[0].EventID != 2 || f.alerts[0].Stock.Stock != 10 {
		t.Fatalf("alert %+v", f.alerts[0])
	}
	if len(f.emails) != 2 || len(f.webhooks) != 2 || len(f.failed) != 0 {
		t.Fatalf("deliveries: emails %v webhooks %v failed %+v", f.emails, f.webhooks, f.failed)
	}
	if mid.Armed || mid.Version != 5 || mid.Stock != 8 || mid.Alerts != 1 {
		t.Fatalf("after the stale signal: %+v", mid)
	}
	if last.Armed || last.Version != 7 || last.Alerts != 2 || last.LastAlertID != 2 {
		t.Fatalf("state before the end: %+v", last)
	}
}

// Without any signal, the periodic reconcile reads the stock and alerts.
func TestStockMonitorReconcileCatchesAMissedSignal(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeStock{stock: StockChanged{Version: 9, Stock: 2, Threshold: 5}}
	registerStock(env, f)
	env.RegisterDelayedCallback(f.setDeleted, 90*time.Second)
	env.ExecuteWorkflow(RewardStockMonitor, StockMonitorInput{AccountID: 1, EventID: 2, TierID: 3, ReconcileEvery: time.Minute})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	if f.reads != 2 || len(f.alerts) != 1 || f.alerts[0].Stock != f.stock {
		t.Fatalf("reads %d, alerts %+v", f.reads, f.alerts)
	}
}

// A channel that gives up is recorded as failed; the other still delivers.
func TestStockMonitorRecordsAFailedChannel(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeStock{emailErr: temporal.NewNonRetryableApplicationError("refused ops@shop.example: 550 no such mailbox", ErrTypeInvalidInput, nil)}
	registerStock(env, f)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalStockChanged, StockChanged{Version: 2, Stock: 1, Threshold: 1}) }, time.Second)
	env.RegisterDelayedCallback(f.setDeleted, time.Minute)
	env.ExecuteWorkflow(RewardStockMonitor, StockMonitorInput{AccountID: 1, EventID: 2, TierID: 3})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	if len(f.webhooks) != 1 || len(f.failed) != 1 || f.failed[0].Channel != "email" ||
		f.failed[0].Reason != "refused ops@shop.example: 550 no such mailbox" {
		t.Fatalf("webhooks %v failed %+v", f.webhooks, f.failed)
	}
}

// Continue-as-new carries the state: a disarmed monitor stays disarmed.
func TestStockMonitorContinuesAsNewWithItsState(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeStock{}
	registerStock(env, f)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalStockChanged, StockChanged{Version: 2, Stock: 20, Threshold: 5}) }, time.Second)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalStockChanged, StockChanged{Version: 3, Stock: 5, Threshold: 5}) }, 2*time.Second)
	env.ExecuteWorkflow(RewardStockMonitor, StockMonitorInput{AccountID: 1, EventID: 2, TierID: 3, MaxWakeupsPerRun: 2})

	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("want continue-as-new, got %v", env.GetWorkflowError())
	}
	var next StockMonitorInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	st := next.State
	if next.TierID != 3 || next.MaxWakeupsPerRun != 2 || st == nil || st.Armed || st.Alerts != 1 || st.Version != 3 || st.Runs != 1 {
		t.Fatalf("next run's input %+v state %+v", next, st)
	}
	if len(f.alerts) != 1 {
		t.Fatalf("alerts %+v", f.alerts)
	}
}
