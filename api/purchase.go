package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/sendingo/sendingo/store"
)

type purchaseRequest struct {
	Customer    *customerRef `json:"customer"`
	OrderID     *string      `json:"order_id"`
	Amount      *int64       `json:"amount"`
	PurchasedAt *string      `json:"purchased_at"`
}

// createPurchase records an order of a customer (the shop backend's call). The
// order id makes it idempotent: the same order again answers 200 with the stored
// purchase; the same order id with another customer or amount is 409.
func (s *Server) createPurchase(c *gin.Context) {
	var req purchaseRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	ref := req.Customer.validate(&errs)
	p := store.Purchase{PurchasedAt: s.now()}
	p.OrderID = errs.Text("order_id", req.OrderID, 100, "is required: the shop's id of the order")
	switch {
	case req.Amount == nil:
		errs.Add("amount", "is required: the order total in the smallest currency unit (원)")
	case *req.Amount < 0:
		errs.Add("amount", "must not be negative")
	default:
		p.Amount = *req.Amount
	}
	if req.PurchasedAt != nil {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(*req.PurchasedAt))
		switch {
		case err != nil:
			errs.Add("purchased_at", "must be an RFC 3339 time such as 2026-03-01T14:30:00+09:00")
		case t.After(s.now().Add(time.Hour)):
			errs.Add("purchased_at", "must not be in the future")
		default:
			p.PurchasedAt = t
		}
	}
	if errs.Abort(c) {
		return
	}
	cust, ok := s.findCustomer(c, ref)
	if !ok {
		return
	}
	p.CustomerID = cust.ID
	stored, created, err := s.store.RecordPurchase(c.Request.Context(), account(c), p)
	if !storeErr(c, err, "purchase") {
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, stored)
}

func (s *Server) listPurchases(c *gin.Context) {
	p, ok := pageParams(c)
	if !ok {
		return
	}
	customerID, ok := queryID(c, "customer_id")
	if !ok {
		return
	}
	ps, total, err := s.store.Purchases(c.Request.Context(), account(c), customerID, p)
	if !storeErr(c, err, "purchases") {
		return
	}
	c.JSON(http.StatusOK, list[store.Purchase]{Items: ps, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(ps, p.Size, store.PurchaseCursor)})
}
