package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/phone"
)

// Customer is one end customer of an account. Phone is E.164 and unique per account.
type Customer struct {
	ID         int64      `db:"id" json:"id"`
	AccountID  int64      `db:"account_id" json:"-"`
	Name       string     `db:"name" json:"name"`
	Phone      string     `db:"phone" json:"phone"`
	Email      string     `db:"email" json:"email"`
	Attributes Attributes `db:"attributes" json:"attributes"`
	OptedOut   bool       `db:"opted_out" json:"opted_out"`
	// NightAdConsent is the customer's separate consent to advertising between
	// 21:00 and 08:00; NotMobile marks a phone SMS, LMS and AlimTalk cannot reach
	// (a landline, 070, ...), derived from the number whenever it is written.
	NightAdConsent bool       `db:"night_ad_consent" json:"night_ad_consent"`
	NotMobile      bool       `db:"not_mobile" json:"not_mobile"`
	OptedOutAt     time.Time  `db:"opted_out_at" json:"-"`
	OptOutSource   string     `db:"opt_out_source" json:"opt_out_source,omitempty"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at" json:"updated_at"`
	Groups         []GroupRef `db:"-" json:"groups"`
}

// GroupRef names a group a customer belongs to.
type GroupRef struct {
	ID   int64  `db:"group_id" json:"id"`
	Name string `db:"name" json:"name"`
}

// Attributes are a customer's free-form fields (template variables), stored as JSON.
type Attributes map[string]string

// Scan reads the JSON column.
func (a *Attributes) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*a = Attributes{}
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("attributes: unexpected %T", src)
	}
	m := Attributes{}
	if len(b) > 0 && !m.readPlain(b) {
		clear(m)
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("attributes: %w", err)
		}
	}
	*a = m
	return nil
}

// readPlain reads b into a when b is a JSON object whose keys and values are
// all strings without escapes, control characters or invalid UTF-8 (what the
// column holds for nearly every customer), and answers false for anything else,
// which encoding/json then reads. A campaign reads every recipient's attributes,
// and encoding/json's reflection was a seventh of the worker's time there.
func (a Attributes) readPlain(b []byte) bool {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipSpace(b, i+1) == len(b)
	}
	for {
		k, next, ok := plainString(b, i)
		if !ok {
			return false
		}
		i = skipSpace(b, next)
		if i == len(b) || b[i] != ':' {
			return false
		}
		v, next, ok := plainString(b, skipSpace(b, i+1))
		if !ok {
			return false
		}
		a[k] = v
		i = skipSpace(b, next)
		if i == len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return skipSpace(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// plainString reads the JSON string at b[i:] when it has no escape, control
// character or invalid UTF-8, and answers it and the index after its quote.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	j := i + 1
	for ; j < len(b) && b[j] != '"'; j++ {
		if b[j] == '\\' || b[j] < 0x20 {
			return "", 0, false
		}
	}
	if j == len(b) || !utf8.Valid(b[i+1:j]) {
		return "", 0, false
	}
	return string(b[i+1 : j]), j + 1, true
}

// skipSpace answers the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// JSON encodes the attributes for the JSON column ("{}" when empty).
func (a Attributes) JSON() string {
	if len(a) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(map[string]string(a))
	return string(b)
}

// CustomerInput creates or changes a customer; the API has validated it.
type CustomerInput struct {
	Name       string
	Phone      string // E.164
	Email      string
	Attributes Attributes
	OptedOut   bool
	// NightAdConsent: consent to advertising at night (21:00–08:00).
	NightAdConsent bool
	GroupIDs       []int64
}

// Opt-out sources: how a customer came to be opted out.
const (
	OptOutAPI         = "api"         // set through the API (or the console)
	OptOutUnsubscribe = "unsubscribe" // the e-mail unsubscribe link or one-click POST
	OptOutList        = "list"        // an uploaded opt-out list (the 080 service's export)
)

// optOutColumns are the values of opted_out_at and opt_out_source for a customer
// whose opted_out becomes optedOut.
func optOutColumns(optedOut bool, source string) (any, string) {
	if !optedOut {
		return "1970-01-01 00:00:00", ""
	}
	return now(), source
}

// CreateCustomer creates a customer in the given groups (미지정 when none).
// A phone already used in the account is ErrConflict.
func (s *Store) CreateCustomer(ctx context.Context, accountID int64, in CustomerInput) (Customer, error) {
	var id int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		groups, err := groupsForMembership(ctx, tx, accountID, in.GroupIDs)
		if err != nil {
			return err
		}
		t := now()
		at, source := optOutColumns(in.OptedOut, OptOutAPI)
		res, err := tx.ExecContext(ctx, `INSERT INTO customers (account_id, name, phone, email, attributes, opted_out,
			opted_out_at, opt_out_source, night_ad_consent, not_mobile, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, accountID, in.Name, in.Phone, in.Email, in.Attributes.JSON(), in.OptedOut,
			at, source, in.NightAdConsent, !phone.IsMobile(in.Phone), t, t)
		if err != nil {
			if isDuplicate(err) {
				return fmt.Errorf("a customer with phone %s already exists: %w", in.Phone, ErrConflict)
			}
			return fmt.Errorf("insert customer: %w", err)
		}
		id, _ = res.LastInsertId()
		for _, g := range groups {
			if _, err := addMembers(ctx, tx, accountID, g, []int64{id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Customer{}, err
	}
	return s.Customer(ctx, accountID, id)
}

// groupsForMembership loads the named groups (all must be the account's), or the
// default group when none is named.
func groupsForMembership(ctx context.Context, tx *sqlx.Tx, accountID int64, ids []int64) ([]Group, error) {
	if len(ids) == 0 {
		def, err := defaultGroupID(ctx, tx, accountID)
		if err != nil {
			return nil, err
		}
		return []Group{{ID: def, IsDefault: true}}, nil
	}
	ids = uniqueIDs(ids)
	query, args, _ := sqlx.In(`SELECT id, account_id, name, is_default, created_at, 0 AS customer_count
		FROM customer_groups WHERE account_id = ? AND id IN (?) ORDER BY id`, accountID, ids)
	var groups []Group
	if err := tx.SelectContext(ctx, &groups, query, args...); err != nil {
		return nil, err
	}
	found := make([]int64, len(groups))
	for i, g := range groups {
		found[i] = g.ID
	}
	if missing := missingIDs(ids, found); len(missing) > 0 {
		return nil, &MissingError{What: "groups", IDs: missing}
	}
	return groups, nil
}

// Customer returns one customer with its groups.
func (s *Store) Customer(ctx context.Context, accountID, id int64) (Customer, error) {
	var c Customer
	if err := s.db.GetContext(ctx, &c, `SELECT `+customersColumns+` FROM customers WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
		return c, notFound(err)
	}
	cs := []Customer{c}
	if err := s.attachGroups(ctx, accountID, cs); err != nil {
		return c, err
	}
	return cs[0], nil
}

// CustomerByPhone finds a customer by E.164 phone.
func (s *Store) CustomerByPhone(ctx context.Context, accountID int64, phone string) (Customer, error) {
	var c Customer
	err := s.db.GetContext(ctx, &c, `SELECT `+customersColumns+` FROM customers WHERE account_id = ? AND phone = ?`, accountID, phone)
	return c, notFound(err)
}

// CustomerByEmail finds the oldest customer with the e-mail address.
func (s *Store) CustomerByEmail(ctx context.Context, accountID int64, email string) (Customer, error) {
	var c Customer
	err := s.db.GetContext(ctx, &c, `SELECT `+customersColumns+` FROM customers WHERE account_id = ? AND email = ? ORDER BY id LIMIT 1`, accountID, email)
	return c, notFound(err)
}

func (s *Store) attachGroups(ctx context.Context, accountID int64, cs []Customer) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]int64, len(cs))
	idx := make(map[int64]int, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
		idx[cs[i].ID] = i
		cs[i].Groups = []GroupRef{}
	}
	query, args, _ := sqlx.In(`SELECT m.customer_id, m.group_id, g.name FROM group_members m
		JOIN customer_groups g ON g.id = m.group_id
		WHERE m.account_id = ? AND m.customer_id IN (?) ORDER BY g.is_default DESC, g.id`, accountID, ids)
	rows, err := s.db.QueryxContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("load customer groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid int64
		var ref GroupRef
		if err := rows.Scan(&cid, &ref.ID, &ref.Name); err != nil {
			return err
		}
		i := idx[cid]
		cs[i].Groups = append(cs[i].Groups, ref)
	}
	return rows.Err()
}

// CustomerFilter narrows a customer search.
type CustomerFilter struct {
	Q       string // matches name, e-mail, or phone digits
	GroupID int64  // 0 for every group
	Phone   string // a normalised phone to match exactly, when Q looks like a number
}

// Customers searches and pages the account's customers, newest first.
func (s *Store) Customers(ctx context.Context, accountID int64, f CustomerFilter, p Page) ([]Customer, int64, error) {
	where := []string{"c.account_id = ?"}
	args := []any{accountID}
	if f.GroupID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = ? AND m.customer_id = c.id)")
		args = append(args, f.GroupID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + escapeLike(q) + "%"
		cond := "(c.name LIKE ? OR c.email LIKE ?"
		args = append(args, like, like)
		if digits := PhoneDigits(q); len(digits) >= 3 {
			cond += " OR c.phone LIKE ?"
			args = append(args, "%"+digits+"%")
		}
		if f.Phone != "" {
			cond += " OR c.phone = ?"
			args = append(args, f.Phone)
		}
		where = append(where, cond+")")
	}
	w := strings.Join(where, " AND ")
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM customers c WHERE `+w, args...); err != nil {
		return nil, 0, fmt.Errorf("count customers: %w", err)
	}
	page, pargs, err := p.afterID("c.id", true, where, args)
	if err != nil {
		return nil, 0, err
	}
	cs := []Customer{}
	if err := s.db.SelectContext(ctx, &cs, `SELECT `+qualify("c", customersColumns)+` FROM customers c WHERE `+strings.Join(page, " AND ")+` ORDER BY c.id DESC LIMIT ? OFFSET ?`,
		append(pargs, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list customers: %w", err)
	}
	return cs, total, s.attachGroups(ctx, accountID, cs)
}

// PhoneDigits turns a phone-like query into the digits stored in E.164 form
// ("010-1234" → "101234"), or "" when q is not phone-like.
func PhoneDigits(q string) string {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '+' || r == '(' || r == ')':
		default:
			return ""
		}
	}
	return strings.TrimPrefix(b.String(), "0")
}

// CustomerPatch changes the fields that are set.
type CustomerPatch struct {
	Name       *string
	Phone      *string
	Email      *string
	Attributes *Attributes
	OptedOut   *bool
	// NightAdConsent: consent to advertising at night (21:00–08:00).
	NightAdConsent *bool
}

// UpdateCustomer applies a patch.
func (s *Store) UpdateCustomer(ctx context.Context, accountID, id int64, p CustomerPatch) (Customer, error) {
	sets := []string{"updated_at = ?"}
	args := []any{now()}
	if p.Name != nil {
		sets, args = append(sets, "name = ?"), append(args, *p.Name)
	}
	if p.Phone != nil {
		sets, args = append(sets, "phone = ?", "not_mobile = ?"), append(args, *p.Phone, !phone.IsMobile(*p.Phone))
	}
	if p.Email != nil {
		sets, args = append(sets, "email = ?"), append(args, *p.Email)
	}
	if p.Attributes != nil {
		sets, args = append(sets, "attributes = ?"), append(args, p.Attributes.JSON())
	}
	if p.OptedOut != nil {
		// The time and source change only when the flag does.
		at, source := optOutColumns(*p.OptedOut, OptOutAPI)
		sets = append(sets, "opted_out_at = IF(opted_out = ?, opted_out_at, ?)", "opt_out_source = IF(opted_out = ?, opt_out_source, ?)",
			"opted_out = ?")
		args = append(args, *p.OptedOut, at, *p.OptedOut, source, *p.OptedOut)
	}
	if p.NightAdConsent != nil {
		sets, args = append(sets, "night_ad_consent = ?"), append(args, *p.NightAdConsent)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE customers SET `+strings.Join(sets, ", ")+` WHERE account_id = ? AND id = ?`,
		append(args, accountID, id)...)
	if err != nil {
		if isDuplicate(err) {
			return Customer{}, fmt.Errorf("another customer has phone %s: %w", *p.Phone, ErrConflict)
		}
		return Customer{}, fmt.Errorf("update customer %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Customer(ctx, accountID, id); err != nil {
			return Customer{}, err
		}
	}
	return s.Customer(ctx, accountID, id)
}

// DeleteCustomer deletes a customer and its memberships.
func (s *Store) DeleteCustomer(ctx context.Context, accountID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM customers WHERE account_id = ? AND id = ?`, accountID, id)
	if err != nil {
		return fmt.Errorf("delete customer %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// GroupCustomers pages the members of one group.
func (s *Store) GroupCustomers(ctx context.Context, accountID, groupID int64, q string, p Page) ([]Customer, int64, error) {
	if _, err := s.Group(ctx, accountID, groupID); err != nil {
		return nil, 0, err
	}
	return s.Customers(ctx, accountID, CustomerFilter{Q: q, GroupID: groupID}, p)
}

// FieldVariables are the variables every customer has, from its own fields;
// EmailVariables are those only customers with an e-mail address have. Every
// other variable must be an attribute.
var (
	FieldVariables = []string{"name", "이름", "phone", "전화번호"}
	EmailVariables = []string{"email", "이메일"}
)

// Variables are the values a template may use for this customer: its attributes,
// and its name, phone and e-mail under English and Korean names (these win over
// attributes of the same name).
func (c Customer) Variables() map[string]string {
	vars := make(map[string]string, len(c.Attributes)+6)
	c.VariablesInto(vars)
	return vars
}

// VariablesInto puts Variables into vars, emptied first: for rendering many
// customers' messages with one map instead of one each.
func (c Customer) VariablesInto(vars map[string]string) {
	clear(vars)
	for k, v := range c.Attributes {
		vars[k] = v
	}
	for _, name := range FieldVariables {
		switch name {
		case "name", "이름":
			vars[name] = c.Name
		default: // phone, 전화번호
			vars[name] = phoneNational(c.Phone)
		}
	}
	if c.Email != "" {
		for _, name := range EmailVariables {
			vars[name] = c.Email
		}
	}
}

// MaxAttributeKeys caps how many distinct attribute names AttributeKeys returns.
const MaxAttributeKeys = 500

// AttributeKeys returns the distinct attribute names the account's customers
// have, sorted: the variables a template may use besides the customer fields.
func (s *Store) AttributeKeys(ctx context.Context, accountID int64) ([]string, error) {
	keys := []string{}
	err := s.db.SelectContext(ctx, &keys, `
		SELECT DISTINCT k.name FROM customers c,
		  JSON_TABLE(JSON_KEYS(c.attributes), '$[*]' COLUMNS (name VARCHAR(255) PATH '$')) AS k
		WHERE c.account_id = ? AND JSON_LENGTH(c.attributes) > 0
		ORDER BY k.name LIMIT ?`, accountID, MaxAttributeKeys)
	if err != nil {
		return nil, fmt.Errorf("attribute keys of account %d: %w", accountID, err)
	}
	return keys, nil
}
