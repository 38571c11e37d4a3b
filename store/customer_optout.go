package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// NewUnsubscribe is the unsubscribe token of one e-mail message (the campaign's
// message to the customer).
type NewUnsubscribe struct {
	Token      string
	CustomerID int64
}

// insertUnsubscribes stores the tokens of a batch of e-mail messages. A replayed
// batch keeps the first token of each (campaign, customer): INSERT IGNORE on the
// unique key, as the message row itself keeps its first body.
func insertUnsubscribes(ctx context.Context, tx *sqlx.Tx, c Campaign, tokens []NewUnsubscribe) error {
	if len(tokens) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT IGNORE INTO unsubscribe_tokens (token, account_id, campaign_id, customer_id, created_at) VALUES `)
	args := make([]any, 0, len(tokens)*5)
	t := now()
	for i, u := range tokens {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?)")
		args = append(args, u.Token, c.AccountID, c.ID, u.CustomerID, t)
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("insert %d unsubscribe tokens: %w", len(tokens), err)
	}
	return nil
}

// UnsubscribeTokens answers the unsubscribe token of each of the customers'
// messages in the campaign (one query per chunk of e-mails).
func (s *Store) UnsubscribeTokens(ctx context.Context, k CampaignKey, customerIDs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(customerIDs))
	if len(customerIDs) == 0 {
		return out, nil
	}
	q, args, _ := sqlx.In(`SELECT customer_id, token FROM unsubscribe_tokens WHERE campaign_id = ? AND account_id = ? AND customer_id IN (?)`,
		k.ID, k.AccountID, customerIDs)
	rows, err := s.db.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("unsubscribe tokens of campaign %d: %w", k.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tok string
		if err := rows.Scan(&id, &tok); err != nil {
			return nil, err
		}
		out[id] = tok
	}
	return out, rows.Err()
}

// Unsubscription is what the public unsubscribe page shows about a token.
type Unsubscription struct {
	AccountName string `db:"account_name"`
	Email       string `db:"email"`
	OptedOut    bool   `db:"opted_out"`
}

// UnsubscriptionByToken resolves an unsubscribe token (any account: the token is
// the secret) with one primary-key lookup joined to its customer and account.
func (s *Store) UnsubscriptionByToken(ctx context.Context, token string) (Unsubscription, error) {
	var u Unsubscription
	err := s.db.GetContext(ctx, &u, `SELECT a.name AS account_name, c.email, c.opted_out
		FROM unsubscribe_tokens t
		JOIN customers c ON c.id = t.customer_id AND c.account_id = t.account_id
		JOIN accounts a ON a.id = t.account_id
		WHERE t.token = ?`, token)
	return u, notFound(err)
}

// Unsubscribe opts out the customer an unsubscribe token was sent to: one
// statement over the token's primary key. It is idempotent: a second call
// changes nothing (the first opt-out's time and source stay), and it answers
// whether this call changed anything. ErrNotFound when no customer has the
// token (unknown token, or the customer was deleted).
func (s *Store) Unsubscribe(ctx context.Context, token string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE unsubscribe_tokens t
		JOIN customers c ON c.id = t.customer_id AND c.account_id = t.account_id
		SET c.opted_out_at = IF(c.opted_out = 1, c.opted_out_at, ?),
		    c.opt_out_source = IF(c.opted_out = 1, c.opt_out_source, ?),
		    c.opted_out = 1,
		    t.used_at = IF(t.used_at > '1970-01-02', t.used_at, ?)
		WHERE t.token = ?`, sqlTime(at), OptOutUnsubscribe, sqlTime(at), token)
	if err != nil {
		return false, fmt.Errorf("unsubscribe: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return true, nil
	}
	// Nothing changed: already unsubscribed, or no such token.
	_, err = s.UnsubscriptionByToken(ctx, token)
	return false, err
}

// Opt-out list results, per row.
const (
	OptOutDone     = "opted_out"         // a customer was opted out
	OptOutAlready  = "already_opted_out" // every matching customer already was
	OptOutNotFound = "not_found"         // no customer has the phone or e-mail
)

// OptOutContacts opts out the account's customers with the given phones (E.164)
// or e-mail addresses, in one statement each, and answers per contact what
// happened: OptOutDone, OptOutAlready or OptOutNotFound. A contact shared by
// several customers (an e-mail) opts them all out. E-mail addresses match
// ignoring case and are answered under their lower-case form.
func (s *Store) OptOutContacts(ctx context.Context, accountID int64, phones, emails []string, at time.Time) (map[string]string, error) {
	out := make(map[string]string, len(phones)+len(emails))
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		for _, set := range []struct {
			col    string
			values []string
		}{{"phone", phones}, {"email", emails}} {
			if len(set.values) == 0 {
				continue
			}
			key := func(v string) string {
				if set.col == "email" {
					return strings.ToLower(v)
				}
				return v
			}
			for _, v := range set.values {
				out[key(v)] = OptOutNotFound
			}
			var found []struct {
				Value    string `db:"value"`
				OptedOut bool   `db:"opted_out"`
			}
			q, args, _ := sqlx.In(`SELECT `+set.col+` AS value, opted_out FROM customers
				WHERE account_id = ? AND `+set.col+` IN (?) FOR UPDATE`, accountID, set.values)
			if err := tx.SelectContext(ctx, &found, q, args...); err != nil {
				return fmt.Errorf("find customers by %s: %w", set.col, err)
			}
			for _, f := range found {
				switch k := key(f.Value); {
				case !f.OptedOut:
					out[k] = OptOutDone
				case out[k] == OptOutNotFound:
					out[k] = OptOutAlready
				}
			}
			q, args, _ = sqlx.In(`UPDATE customers SET opted_out = 1, opted_out_at = ?, opt_out_source = ?, updated_at = ?
				WHERE account_id = ? AND `+set.col+` IN (?) AND opted_out = 0`, sqlTime(at), OptOutList, now(), accountID, set.values)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("opt out customers by %s: %w", set.col, err)
			}
		}
		return nil
	})
	return out, err
}
