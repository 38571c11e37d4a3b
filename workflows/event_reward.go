package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// StockMonitorWorkflowID is the ID of the RewardStockMonitor of a tier.
func StockMonitorWorkflowID(tierID int64) string { return fmt.Sprintf("reward-stock:%d", tierID) }

// SignalStockMonitor tells tier's RewardStockMonitor the tier's stock, starting
// the monitor if none runs. The API (after each change) and the outbox
// sweeper (for a new tier whose monitor the API could not start) both call it.
func SignalStockMonitor(ctx context.Context, c client.Client, taskQueue string, accountID, eventID, tierID int64, st StockChanged) error {
	id := StockMonitorWorkflowID(tierID)
	_, err := c.SignalWithStartWorkflow(ctx, id, SignalStockChanged, st,
		client.StartWorkflowOptions{
			ID:                    id,
			TaskQueue:             taskQueue,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			TypedSearchAttributes: AccountSearchAttributes(accountID),
		},
		RewardStockMonitor, StockMonitorInput{AccountID: accountID, EventID: eventID, TierID: tierID})
	return err
}

// SignalStockChanged carries a StockChanged: sent (with SignalWithStart) after
// every grant and every stock adjustment of the tier, and when its threshold changes.
const SignalStockChanged = "stock-changed"

// QueryStockMonitor answers the monitor's StockMonitorState.
const QueryStockMonitor = "state"

// DefaultReconcileEvery is how often a monitor reads the real stock, in case a
// signal was lost (the API sends them after its transaction commits, best-effort).
const DefaultReconcileEvery = 10 * time.Minute

// StockChanged is a tier's stock at one version. Versions only grow (the database
// bumps them with every change), so a signal that arrives after a newer one is
// ignored instead of rewinding the monitor.
type StockChanged struct {
	Version   int64
	Stock     int64
	Threshold int64
}

// StockMonitorInput starts RewardStockMonitor. State is set only by continue-as-new.
type StockMonitorInput struct {
	AccountID int64
	EventID   int64
	TierID    int64
	// ReconcileEvery overrides DefaultReconcileEvery.
	ReconcileEvery time.Duration
	// MaxWakeupsPerRun forces continue-as-new after that many signals and
	// reconciles (0: only when the server suggests it) — a knob for tests.
	MaxWakeupsPerRun int
	State            *StockMonitorState
}

// StockMonitorState is what the monitor knows about its tier.
type StockMonitorState struct {
	Seen      bool // the tier has been observed at least once
	Version   int64
	Stock     int64
	Threshold int64
	// Armed means the next fall to or below the threshold raises an alert. An
	// alert disarms the monitor; stock above the threshold re-arms it.
	Armed       bool
	Alerts      int   // alerts raised, over every run
	LastAlertID int64 // stock_alerts.id of the latest
	// Alerting is true while an alert is being recorded and delivered.
	Alerting   bool
	Reconciles int
	Runs       int // continue-as-new count
}

// Activity names of the stock monitor.
const (
	ActivityReadTierStock         = "ReadTierStock"
	ActivityRecordStockAlert      = "RecordStockAlert"
	ActivitySendStockAlertEmail   = "SendStockAlertEmail"
	ActivitySendStockAlertWebhook = "SendStockAlertWebhook"
	ActivityMarkStockAlertFailed  = "MarkStockAlertFailed"
)

// ReadTierStockInput reads a tier's stock.
type ReadTierStockInput struct{ AccountID, TierID int64 }

// ReadTierStockResult is the tier's stock; Found is false once the tier (or its
// event) has been deleted.
type ReadTierStockResult struct {
	Found bool
	Stock StockChanged
}

// RecordStockAlertInput records a low-stock alert as of Stock.Version.
type RecordStockAlertInput struct {
	AccountID, EventID, TierID int64
	Stock                      StockChanged
}

// RecordStockAlertResult names the alert and the channels still to deliver it on.
type RecordStockAlertResult struct {
	AlertID int64
	Email   bool
	Webhook bool
}

// SendStockAlertInput delivers a recorded alert on one channel.
type SendStockAlertInput struct{ AccountID, AlertID int64 }

// MarkStockAlertFailedInput records that a channel gave up.
type MarkStockAlertFailedInput struct {
	AccountID, AlertID int64
	Channel            string // email | webhook
	Reason             string
}

// StockMonitorActivities is what RewardStockMonitor calls; activities.Activities
// implements it.
type StockMonitorActivities interface {
	ReadTierStock(context.Context, ReadTierStockInput) (ReadTierStockResult, error)
	RecordStockAlert(context.Context, RecordStockAlertInput) (RecordStockAlertResult, error)
	SendStockAlertEmail(context.Context, SendStockAlertInput) error
	SendStockAlertWebhook(context.Context, SendStockAlertInput) error
	MarkStockAlertFailed(context.Context, MarkStockAlertFailedInput) error
}

// RewardStockMonitor watches one tier's stock: an entity workflow fed by
// stock-changed signals. When the stock falls to or below the threshold it sends
// one alert (e-mail and webhook, each retried) and re-arms only once the stock
// rises above the threshold again. A periodic reconcile reads the real stock in
// case a signal was lost; the monitor ends when its tier no longer exists.
func RewardStockMonitor(ctx workflow.Context, in StockMonitorInput) error {
	m := &stockMonitor{in: in, st: StockMonitorState{Armed: true}}
	if in.State != nil {
		m.st = *in.State
	}
	if err := m.setup(ctx); err != nil {
		return err
	}
	return m.run(ctx)
}

type stockMonitor struct {
	in      StockMonitorInput
	st      StockMonitorState
	signals workflow.ReceiveChannel
	gone    bool // the tier was deleted
}

func (m *stockMonitor) setup(ctx workflow.Context) error {
	if m.in.ReconcileEvery <= 0 {
		m.in.ReconcileEvery = DefaultReconcileEvery
	}
	m.signals = workflow.GetSignalChannel(ctx, SignalStockChanged)
	return workflow.SetQueryHandler(ctx, QueryStockMonitor, func() (StockMonitorState, error) { return m.st, nil })
}

func (m *stockMonitor) run(ctx workflow.Context) error {
	log := workflow.GetLogger(ctx)
	var timer workflow.Future
	for wakeups := 1; ; wakeups++ {
		if timer == nil {
			timer = workflow.NewTimer(ctx, m.in.ReconcileEvery)
		}
		reconcile := false
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(m.signals, func(workflow.ReceiveChannel, bool) { m.drain() })
		sel.AddFuture(timer, func(workflow.Future) { reconcile = true })
		sel.Select(ctx)
		if reconcile {
			timer = nil
			m.reconcile(ctx)
		}
		m.evaluate(ctx)
		if m.gone {
			log.Info("tier deleted; stock monitor ends", "tier_id", m.in.TierID)
			return nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() || (m.in.MaxWakeupsPerRun > 0 && wakeups >= m.in.MaxWakeupsPerRun) {
			// Nothing received may be left behind: the next run starts from state.
			for !m.gone && m.drain() {
				m.evaluate(ctx)
			}
			if m.gone {
				return nil
			}
			m.st.Runs++
			next := m.in
			st := m.st
			next.State = &st
			return workflow.NewContinueAsNewError(ctx, RewardStockMonitor, next)
		}
	}
}

// drain applies every buffered signal and reports whether there was any.
func (m *stockMonitor) drain() bool {
	got := false
	for {
		var sc StockChanged
		if !m.signals.ReceiveAsync(&sc) {
			return got
		}
		got = true
		m.observe(sc)
	}
}

// observe takes a snapshot of the tier unless a newer one was already seen.
func (m *stockMonitor) observe(sc StockChanged) {
	if m.st.Seen && sc.Version <= m.st.Version {
		return
	}
	m.st.Seen, m.st.Version, m.st.Stock, m.st.Threshold = true, sc.Version, sc.Stock, sc.Threshold
}

func (m *stockMonitor) reconcile(ctx workflow.Context) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         quickRetry(5),
	})
	var r ReadTierStockResult
	if err := workflow.ExecuteActivity(ctx, ActivityReadTierStock, ReadTierStockInput{
		AccountID: m.in.AccountID, TierID: m.in.TierID,
	}).Get(ctx, &r); err != nil {
		// The next reconcile tries again; signals keep the state current meanwhile.
		workflow.GetLogger(ctx).Warn("reconcile failed", "tier_id", m.in.TierID, "error", err)
		return
	}
	m.st.Reconciles++
	if !r.Found {
		m.gone = true
		return
	}
	m.observe(r.Stock)
}

// evaluate alerts on a fall to or below the threshold while armed, and re-arms
// when the stock is above it.
func (m *stockMonitor) evaluate(ctx workflow.Context) {
	if !m.st.Seen || m.gone {
		return
	}
	low := m.st.Stock <= m.st.Threshold
	switch {
	case low && m.st.Armed:
		m.st.Armed = false
		m.alert(ctx)
	case !low && !m.st.Armed:
		m.st.Armed = true
	}
}

// permanentErrorTypes are the activity errors that retrying cannot fix.

// alert records the alert, then delivers it on every channel the event has, in
// parallel, each with its own retries; a channel that gives up is marked failed.
func (m *stockMonitor) alert(ctx workflow.Context) {
	m.st.Alerting = true
	defer func() { m.st.Alerting = false }()
	log := workflow.GetLogger(ctx)
	recordCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            storeBackoff.retry(0),
	})
	snapshot := StockChanged{Version: m.st.Version, Stock: m.st.Stock, Threshold: m.st.Threshold}
	var rec RecordStockAlertResult
	if err := workflow.ExecuteActivity(recordCtx, ActivityRecordStockAlert, RecordStockAlertInput{
		AccountID: m.in.AccountID, EventID: m.in.EventID, TierID: m.in.TierID, Stock: snapshot,
	}).Get(ctx, &rec); err != nil {
		var app *temporal.ApplicationError
		if errors.As(err, &app) && app.Type() == ErrTypeNotFound {
			m.gone = true
			return
		}
		// Stay armed: the next signal or reconcile tries again.
		log.Error("record stock alert", "tier_id", m.in.TierID, "error", err)
		m.st.Armed = true
		return
	}
	m.st.Alerts++
	m.st.LastAlertID = rec.AlertID
	sendCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         mailBackoff.retry(10),
	})
	type delivery struct {
		channel string
		f       workflow.Future
	}
	var sends []delivery
	in := SendStockAlertInput{AccountID: m.in.AccountID, AlertID: rec.AlertID}
	if rec.Email {
		sends = append(sends, delivery{"email", workflow.ExecuteActivity(sendCtx, ActivitySendStockAlertEmail, in)})
	}
	if rec.Webhook {
		sends = append(sends, delivery{"webhook", workflow.ExecuteActivity(sendCtx, ActivitySendStockAlertWebhook, in)})
	}
	for _, s := range sends {
		err := s.f.Get(ctx, nil)
		if err == nil {
			continue
		}
		log.Warn("stock alert not delivered", "alert_id", rec.AlertID, "channel", s.channel, "error", err)
		_ = workflow.ExecuteActivity(recordCtx, ActivityMarkStockAlertFailed, MarkStockAlertFailedInput{
			AccountID: m.in.AccountID, AlertID: rec.AlertID, Channel: s.channel, Reason: failureReason(err),
		}).Get(ctx, nil)
	}
}

// failureReason says why an activity failed, without the wrapping: the
// application error's own message when there is one.
func failureReason(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	for next := errors.Unwrap(err); next != nil; next = errors.Unwrap(err) {
		err = next
	}
	return err.Error()
}
