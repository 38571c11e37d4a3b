package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/campaign"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// signalStock tells the tier's RewardStockMonitor its new stock, starting the
// monitor if it is not running, and says whether that worked. Best-effort: the
// change is committed already; a running monitor's periodic reconcile reads
// the real stock if this is lost, and a new tier's monitor is owed by the
// outbox until it has been started.
func (s *Server) signalStock(ctx context.Context, acc int64, ts store.TierStock) bool {
	err := workflows.SignalStockMonitor(context.WithoutCancel(ctx), s.temporal, s.cfg.TaskQueue, acc, ts.EventID, ts.TierID,
		workflows.StockChanged{Version: ts.Version, Stock: ts.Stock, Threshold: ts.Threshold})
	if err != nil {
		s.log.Warn("signal stock monitor", "account_id", acc, "tier_id", ts.TierID, "version", ts.Version, "error", err)
	}
	return err == nil
}

type tierRequest struct {
	Days              *int    `json:"days"`
	Name              *string `json:"name"`
	Stock             *int64  `json:"stock"`
	LowStockThreshold *int64  `json:"low_stock_threshold"`
}

func (r tierRequest) validate(errs *Fields, create bool) store.TierPatch {
	var p store.TierPatch
	if r.Days != nil || create {
		switch {
		case r.Days == nil:
			errs.Add("days", "is required: the attendance days that reach the tier")
		case *r.Days < 1 || *r.Days > maxTierDays:
			errs.Add("days", "must be a whole number from 1 to %d", maxTierDays)
		}
		p.Days = r.Days
	}
	if r.Name != nil || create {
		name := errs.Text("name", r.Name, 100, "is required: what the customer receives")
		p.Name = &name
	}
	if create {
		switch {
		case r.Stock == nil:
			errs.Add("stock", "is required")
		case *r.Stock < 0 || *r.Stock > maxStock:
			errs.Add("stock", "must be from 0 to %d", maxStock)
		}
	} else if r.Stock != nil {
		errs.Add("stock", "is changed with POST /events/{id}/tiers/{tier_id}/stock, which keeps the audit trail")
	}
	if r.LowStockThreshold != nil && (*r.LowStockThreshold < 0 || *r.LowStockThreshold > maxStock) {
		errs.Add("low_stock_threshold", "must be from 0 to %d", maxStock)
	}
	p.LowStockThreshold = r.LowStockThreshold
	return p
}

// actor is who makes the request (the user, or the API key by id and name),
// for audit trails.
func (s *Server) actor(c *gin.Context) store.Actor {
	return store.ActorFrom(c.Request.Context())
}

func (s *Server) createTier(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	req, p, ok := bindChecked(c, func(r tierRequest, errs *Fields) store.TierPatch { return r.validate(errs, true) })
	if !ok {
		return
	}
	by := s.actor(c)
	ctx, acc := c.Request.Context(), account(c)
	in := store.TierInput{Days: *p.Days, Name: *p.Name, Stock: *req.Stock}
	if p.LowStockThreshold != nil {
		in.LowStockThreshold = *p.LowStockThreshold
	}
	t, err := s.store.CreateTier(ctx, acc, e.ID, in, by)
	if !storeErr(c, err, "event") {
		return
	}
	// The new tier's monitor is owed by the outbox until this start is done
	// (else the outbox sweeper starts it).
	mark, err := s.store.OutboxMark(ctx, store.OutboxStockMonitor, t.ID)
	if err == nil && s.signalStock(ctx, acc, store.TierStock{TierID: t.ID, EventID: e.ID, Version: t.Version, Stock: t.Stock, Threshold: t.LowStockThreshold}) {
		err = s.store.ClearOutbox(context.WithoutCancel(ctx), store.OutboxStockMonitor, t.ID, mark)
	}
	if err != nil {
		s.log.Warn("stock monitor left to the outbox sweeper", "account_id", acc, "tier_id", t.ID, "error", err)
	}
	c.Header("Location", fmt.Sprintf("/api/v1/events/%d/tiers/%d", e.ID, t.ID))
	c.JSON(http.StatusCreated, t)
}

func (s *Server) listTiers(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	ts, err := s.store.Tiers(c.Request.Context(), account(c), e.ID)
	if !storeErr(c, err, "tiers") {
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": ts})
}

// pathTier loads the tier named by :tier_id of the event named by :id.
func (s *Server) pathTier(c *gin.Context) (store.Event, store.Tier, bool) {
	e, ok := s.pathEvent(c)
	if !ok {
		return e, store.Tier{}, false
	}
	id, ok := pathID(c, "tier_id")
	if !ok {
		return e, store.Tier{}, false
	}
	t, err := s.store.Tier(c.Request.Context(), account(c), e.ID, id)
	if !storeErr(c, err, "tier") {
		return e, t, false
	}
	return e, t, true
}

func (s *Server) getTier(c *gin.Context) {
	if _, t, ok := s.pathTier(c); ok {
		c.JSON(http.StatusOK, t)
	}
}

func (s *Server) updateTier(c *gin.Context) {
	e, t, ok := s.pathTier(c)
	if !ok {
		return
	}
	_, p, ok := bindChecked(c, func(r tierRequest, errs *Fields) store.TierPatch { return r.validate(errs, false) })
	if !ok {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	updated, err := s.store.UpdateTier(ctx, acc, e.ID, t.ID, p)
	if !storeErr(c, err, "tier") {
		return
	}
	if updated.Version != t.Version {
		s.signalStock(ctx, acc, store.TierStock{TierID: t.ID, EventID: e.ID, Version: updated.Version,
			Stock: updated.Stock, Threshold: updated.LowStockThreshold})
	}
	c.JSON(http.StatusOK, updated)
}

type stockRequest struct {
	Delta  *int64  `json:"delta"`
	Set    *int64  `json:"set"`
	Reason *string `json:"reason"`
}

type stockResponse struct {
	Adjustment store.StockAdjustment `json:"adjustment"`
	Tier       store.Tier            `json:"tier"`
	Granted    []store.Grant         `json:"granted"`
	Notice     *campaign.Notice      `json:"notice"`
}

// adjustStock changes a tier's stock with an audit entry (who, when, why). New
// stock serves the wait list first, in order; those customers are told through
// the event's notice template, as a campaign.
func (s *Server) adjustStock(c *gin.Context) {
	e, t, ok := s.pathTier(c)
	if !ok {
		return
	}
	var req stockRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	switch {
	case req.Delta == nil && req.Set == nil:
		errs.Add("delta", "give delta (a change such as 10 or -3) or set (the new stock)")
	case req.Delta != nil && req.Set != nil:
		errs.Add("set", "give either delta or set, not both")
	case req.Delta != nil && (*req.Delta == 0 || *req.Delta < -maxStock || *req.Delta > maxStock):
		errs.Add("delta", "must be a non-zero change of at most %d either way", maxStock)
	case req.Set != nil && (*req.Set < 0 || *req.Set > maxStock):
		errs.Add("set", "must be from 0 to %d", maxStock)
	}
	reason := errs.Text("reason", req.Reason, 500, "is required: why the stock changes (it is kept in the audit trail)")
	if errs.Abort(c) {
		return
	}
	by := s.actor(c)
	ctx, acc := c.Request.Context(), account(c)
	res, err := s.store.AdjustStock(ctx, acc, e.ID, t.ID, store.StockChange{Delta: req.Delta, Set: req.Set, Reason: reason, By: by})
	if errors.Is(err, store.ErrStockOutOfRange) {
		unprocessable(c, "stock-out-of-range", "Stock out of range", err.Error())
		return
	}
	if !storeErr(c, err, "tier") {
		return
	}
	// What follows the commit must finish even if the caller hangs up.
	ctx = context.WithoutCancel(ctx)
	s.signalStock(ctx, acc, res.Stock)
	out := stockResponse{Adjustment: res.Adjustment, Granted: res.Granted}
	if len(res.Granted) > 0 {
		n := s.campaigns.StartRestockNotice(ctx, acc, res, requestedBy(ctx))
		if n.Err != nil {
			s.log.Warn("restock notice not started; the outbox sweeper will start it", "account_id", acc, "event_id", e.ID,
				"adjustment_id", res.Adjustment.ID, "campaign_id", n.CampaignID, "error", n.Err)
		}
		out.Notice = &n
	}
	s.log.Info("stock adjusted", "account_id", acc, "event_id", e.ID, "tier_id", t.ID, "delta", res.Adjustment.Delta,
		"stock", res.Stock.Stock, "waitlist_granted", len(res.Granted))
	if out.Tier, err = s.store.Tier(ctx, acc, e.ID, t.ID); err != nil {
		internalError(c, err)
		return
	}
	c.JSON(http.StatusCreated, out)
}

func (s *Server) stockAdjustments(c *gin.Context) {
	e, t, ok := s.pathTier(c)
	if !ok {
		return
	}
	listPage(c, "stock adjustments", func(ctx context.Context, acc int64, p store.Page) ([]store.StockAdjustment, int64, error) {
		return s.store.StockAdjustments(ctx, acc, e.ID, t.ID, p)
	}, same[store.StockAdjustment], func(x store.StockAdjustment) string { return store.Cursor(x.ID) })
}

// queryID reads an optional positive id from the query string.
func queryID(c *gin.Context, name string) (int64, bool) {
	v := c.Query(name)
	if v == "" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		Fields{{Field: name, Message: "must be an id"}}.Abort(c)
		return 0, false
	}
	return id, true
}

// listGrants answers who received which reward, wait list included, in the order
// the tiers were reached (?status=, ?tier_id=, ?customer_id= narrow it).
func (s *Server) listGrants(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	p, ok := pageParams(c)
	if !ok {
		return
	}
	f := store.GrantFilter{Status: c.Query("status")}
	switch f.Status {
	case "", store.GrantGranted, store.GrantWaitlisted:
	default:
		Fields{{Field: "status", Message: "must be granted or waitlisted"}}.Abort(c)
		return
	}
	if f.TierID, ok = queryID(c, "tier_id"); !ok {
		return
	}
	if f.CustomerID, ok = queryID(c, "customer_id"); !ok {
		return
	}
	gs, total, err := s.store.Grants(c.Request.Context(), account(c), e.ID, f, p)
	if !storeErr(c, err, "grants") {
		return
	}
	c.JSON(http.StatusOK, list[store.Grant]{Items: gs, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(gs, p.Size, func(x store.Grant) string { return store.Cursor(x.ID) })})
}

// listAlerts answers the event's low-stock alerts and how each was delivered.
func (s *Server) listAlerts(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	listPage(c, "alerts", func(ctx context.Context, acc int64, p store.Page) ([]store.StockAlert, int64, error) {
		return s.store.StockAlerts(ctx, acc, e.ID, p)
	}, same[store.StockAlert], func(x store.StockAlert) string { return store.Cursor(x.ID) })
}
