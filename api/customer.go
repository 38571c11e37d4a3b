package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/phone"
	"github.com/sendingo/sendingo/store"
)

// Limits on customer attributes (they become template variables).
const (
	maxAttributes     = 100
	maxAttributeKey   = 64
	maxAttributeValue = 1000
)

type customerJSON struct {
	store.Customer
	PhoneDisplay string     `json:"phone_display"`
	OptedOutAt   *time.Time `json:"opted_out_at"`
}

func customersJSON(cs []store.Customer) []customerJSON {
	out := make([]customerJSON, len(cs))
	for i, c := range cs {
		out[i] = toCustomerJSON(c)
	}
	return out
}

func toCustomerJSON(c store.Customer) customerJSON {
	return customerJSON{Customer: c, PhoneDisplay: phone.National(c.Phone), OptedOutAt: timeOrNil(c.OptedOutAt)}
}

type customerRequest struct {
	Name       *string            `json:"name"`
	Phone      *string            `json:"phone"`
	Email      *string            `json:"email"`
	Attributes *map[string]string `json:"attributes"`
	OptedOut   *bool              `json:"opted_out"`
	// NightAdConsent is the customer's consent to advertising at night.
	NightAdConsent *bool   `json:"night_ad_consent"`
	GroupIDs       []int64 `json:"group_ids"`
}

// validate checks the fields that are present; required names the ones a create needs.
func (r customerRequest) validate(errs *Fields, create bool) store.CustomerPatch {
	var p store.CustomerPatch
	if r.Name != nil || create {
		name := errs.Text("name", r.Name, 200, "is required")
		p.Name = &name
	}
	if r.Phone != nil || create {
		raw := ""
		if r.Phone != nil {
			raw = *r.Phone
		}
		if strings.TrimSpace(raw) == "" {
			errs.Add("phone", "is required")
		} else if e164, err := phone.Normalize(raw, ""); err != nil {
			errs.Add("phone", "%q is not a valid phone number", raw)
		} else {
			p.Phone = &e164
		}
	}
	if r.Email != nil {
		email := strings.TrimSpace(*r.Email)
		if email != "" {
			var ok bool
			if email, ok = normalizeEmail(email); !ok {
				errs.Add("email", "is not a valid e-mail address")
			}
		}
		p.Email = &email
	}
	if r.Attributes != nil {
		attrs := store.Attributes{}
		if len(*r.Attributes) > maxAttributes {
			errs.Add("attributes", "may hold at most %d entries", maxAttributes)
		}
		for k, v := range *r.Attributes {
			key := strings.TrimSpace(k)
			switch {
			case key == "":
				errs.Add("attributes", "names must not be empty")
			case utf8.RuneCountInString(key) > maxAttributeKey:
				errs.Add("attributes."+key, "name must be at most %d characters", maxAttributeKey)
			case utf8.RuneCountInString(v) > maxAttributeValue:
				errs.Add("attributes."+key, "value must be at most %d characters", maxAttributeValue)
			}
			attrs[key] = v
		}
		p.Attributes = &attrs
	}
	p.OptedOut = r.OptedOut
	p.NightAdConsent = r.NightAdConsent
	for _, id := range r.GroupIDs {
		if id <= 0 {
			errs.Add("group_ids", "ids must be positive numbers")
			break
		}
	}
	return p
}

func (s *Server) createCustomer(c *gin.Context) {
	req, p, ok := bindChecked(c, func(r customerRequest, errs *Fields) store.CustomerPatch { return r.validate(errs, true) })
	if !ok {
		return
	}
	in := store.CustomerInput{Name: *p.Name, Phone: *p.Phone, GroupIDs: req.GroupIDs}
	if p.Email != nil {
		in.Email = *p.Email
	}
	if p.Attributes != nil {
		in.Attributes = *p.Attributes
	}
	if p.OptedOut != nil {
		in.OptedOut = *p.OptedOut
	}
	if p.NightAdConsent != nil {
		in.NightAdConsent = *p.NightAdConsent
	}
	cust, err := s.store.CreateCustomer(c.Request.Context(), account(c), in)
	if !storeErr(c, err, "customer") {
		return
	}
	c.Header("Location", "/api/v1/customers/"+itoa(cust.ID))
	c.JSON(http.StatusCreated, toCustomerJSON(cust))
}

func (s *Server) getCustomer(c *gin.Context) {
	showRow(c, "customer", s.store.Customer, toCustomerJSON)
}

func (s *Server) updateCustomer(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	_, p, ok := bindChecked(c, func(r customerRequest, errs *Fields) store.CustomerPatch {
		p := r.validate(errs, false)
		if r.GroupIDs != nil {
			errs.Add("group_ids", "cannot be changed here; use /groups/{id}/members")
		}
		return p
	})
	if !ok {
		return
	}
	cust, err := s.store.UpdateCustomer(c.Request.Context(), account(c), id, p)
	if !storeErr(c, err, "customer") {
		return
	}
	c.JSON(http.StatusOK, toCustomerJSON(cust))
}

func (s *Server) deleteCustomer(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if !storeErr(c, s.store.DeleteCustomer(c.Request.Context(), account(c), id), "customer") {
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listCustomers(c *gin.Context) {
	p, ok := pageParams(c)
	if !ok {
		return
	}
	f := store.CustomerFilter{Q: c.Query("q")}
	if v := c.Query("group_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			Fields{{Field: "group_id", Message: "must be a group id"}}.Abort(c)
			return
		}
		if _, err := s.store.Group(c.Request.Context(), account(c), id); !storeErr(c, err, "group") {
			return
		}
		f.GroupID = id
	}
	if e164, err := phone.Normalize(f.Q, ""); err == nil {
		f.Phone = e164
	}
	cs, total, err := s.store.Customers(c.Request.Context(), account(c), f, p)
	if !storeErr(c, err, "customers") {
		return
	}
	c.JSON(http.StatusOK, list[customerJSON]{Items: customersJSON(cs), Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(cs, p.Size, func(x store.Customer) string { return store.Cursor(x.ID) })})
}

// customerVariables lists what a template may use: every customer's fields, the
// e-mail fields (only for customers with an address), and the attribute names
// the account's customers have.
func (s *Server) customerVariables(c *gin.Context) {
	keys, err := s.store.AttributeKeys(c.Request.Context(), account(c))
	if err != nil {
		internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"fields": store.FieldVariables, "email_fields": store.EmailVariables, "attributes": keys})
}

// customerRef names a customer by exactly one of id, e-mail or phone.
type customerRef struct {
	ID    *int64  `json:"id"`
	Email *string `json:"email"`
	Phone *string `json:"phone"`
}

// resolved is a validated reference: what to look the customer up by.
type resolved struct {
	id           int64
	email, phone string
	said         string // how the caller named the customer, for messages
}

func (r *customerRef) validate(errs *Fields) resolved {
	var out resolved
	if r == nil {
		errs.Add("customer", "is required: {\"id\": ...}, {\"email\": ...} or {\"phone\": ...}")
		return out
	}
	given := 0
	for _, set := range []bool{r.ID != nil, r.Email != nil, r.Phone != nil} {
		if set {
			given++
		}
	}
	if given != 1 {
		errs.Add("customer", "name the customer by exactly one of id, email or phone")
		return out
	}
	switch {
	case r.ID != nil:
		if *r.ID <= 0 {
			errs.Add("customer.id", "must be a customer id")
		}
		out.id, out.said = *r.ID, fmt.Sprintf("id %d", *r.ID)
	case r.Email != nil:
		email, ok := normalizeEmail(*r.Email)
		if !ok {
			errs.Add("customer.email", "is not a valid e-mail address")
		}
		out.email, out.said = email, "e-mail "+email
	case r.Phone != nil:
		e164, err := phone.Normalize(*r.Phone, "")
		if err != nil {
			errs.Add("customer.phone", "%q is not a valid phone number", *r.Phone)
		}
		out.phone, out.said = e164, "phone "+phone.National(e164)
	}
	return out
}

// findCustomer looks the customer up in the caller's account, answering the
// unknown-customer refusal itself.
func (s *Server) findCustomer(c *gin.Context, r resolved) (store.Customer, bool) {
	ctx, acc := c.Request.Context(), account(c)
	var cust store.Customer
	var err error
	switch {
	case r.id != 0:
		cust, err = s.store.Customer(ctx, acc, r.id)
	case r.email != "":
		cust, err = s.store.CustomerByEmail(ctx, acc, r.email)
	default:
		cust, err = s.store.CustomerByPhone(ctx, acc, r.phone)
	}
	if errors.Is(err, store.ErrNotFound) {
		unprocessable(c, slugUnknownCustomer, "Unknown customer",
			fmt.Sprintf("no customer with %s exists in this account; add the customer first", r.said))
		return cust, false
	}
	if err != nil {
		internalError(c, err)
		return cust, false
	}
	return cust, true
}
