package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// DefaultGroupName is the group every account starts with and every customer
// without another group belongs to ("unassigned").
const DefaultGroupName = "미지정"

// Account is a business using sendingo.
type Account struct {
	ID           int64  `db:"id" json:"id"`
	Name         string `db:"name" json:"name"`
	Timezone     string `db:"timezone" json:"timezone"`
	OptoutNumber string `db:"optout_number" json:"optout_number"`
	// Language is what the account's people read (the console's default, the
	// locale of its dates and numbers) and are told things in: ko or en.
	Language  string    `db:"language" json:"language"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// User is a person who logs in to an account.
type User struct {
	ID           int64  `db:"id" json:"id"`
	AccountID    int64  `db:"account_id" json:"account_id"`
	Name         string `db:"name" json:"name"`
	Email        string `db:"email" json:"email"`
	Phone        string `db:"phone" json:"phone"`
	PasswordHash string `db:"password_hash" json:"-"`
	Role         string `db:"role" json:"role"`
	// TokenVersion is the version access tokens must carry; raising it
	// signs the user out everywhere.
	TokenVersion int64     `db:"token_version" json:"-"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
}

// SignupParams are validated by the caller; the password is already hashed.
type SignupParams struct {
	AccountName  string
	Timezone     string
	Language     string // "" means ko
	UserName     string
	Email        string
	Phone        string
	PasswordHash string
}

// Signup creates the account, its owner and its default group in one transaction.
// A duplicate e-mail answers ErrConflict and leaves nothing behind.
func (s *Store) Signup(ctx context.Context, p SignupParams) (Account, User, error) {
	var acc Account
	var user User
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		t := now()
		if p.Language == "" {
			p.Language = "ko"
		}
		res, err := tx.ExecContext(ctx,
			`INSERT INTO accounts (name, timezone, language, created_at) VALUES (?, ?, ?, ?)`,
			p.AccountName, p.Timezone, p.Language, t)
		if err != nil {
			return fmt.Errorf("insert account: %w", err)
		}
		accID, _ := res.LastInsertId()
		res, err = tx.ExecContext(ctx,
			`INSERT INTO users (account_id, name, email, phone, password_hash, role, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?)`,
			accID, p.UserName, p.Email, p.Phone, p.PasswordHash, RoleOwner, t)
		if err != nil {
			if isDuplicate(err) {
				return fmt.Errorf("e-mail %s: %w", p.Email, ErrConflict)
			}
			return fmt.Errorf("insert user: %w", err)
		}
		userID, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO customer_groups (account_id, name, is_default, created_at) VALUES (?, ?, 1, ?)`,
			accID, DefaultGroupName, t); err != nil {
			return fmt.Errorf("insert default group: %w", err)
		}
		acc = Account{ID: accID, Name: p.AccountName, Timezone: p.Timezone, Language: p.Language, CreatedAt: t}
		user = User{ID: userID, AccountID: accID, Name: p.UserName, Email: p.Email, Phone: p.Phone,
			PasswordHash: p.PasswordHash, Role: RoleOwner, CreatedAt: t}
		return nil
	})
	return acc, user, err
}

// UserByEmail finds a user for login by the exact address (e-mails are
// stored lower-cased; callers lower-case theirs; users.email compares bytes,
// so a look-alike spelling is another address).
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+usersColumns+` FROM users WHERE email = ?`, email)
	return u, notFound(err)
}

// User returns one user of the account.
func (s *Store) User(ctx context.Context, accountID, userID int64) (User, error) {
	var u User
	err := s.db.GetContext(ctx, &u, `SELECT `+usersColumns+` FROM users WHERE account_id = ? AND id = ?`, accountID, userID)
	return u, notFound(err)
}

// Account returns the account.
func (s *Store) Account(ctx context.Context, accountID int64) (Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a, `SELECT `+accountsColumns+` FROM accounts WHERE id = ?`, accountID)
	return a, notFound(err)
}

// AccountSettings is a change to an account's settings: each field that is
// not nil replaces the account's (the caller has checked the values).
type AccountSettings struct {
	Name, Timezone, OptoutNumber, Language *string
}

// UpdateAccountSettings applies the change to the account, read and written in
// one transaction with its audit record, so two changes of different settings
// at once both hold and the audit's before and after are the row's own.
func (s *Store) UpdateAccountSettings(ctx context.Context, accountID int64, change AccountSettings) (Account, error) {
	var after Account
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var before Account
		if err := tx.GetContext(ctx, &before, `SELECT `+accountsColumns+` FROM accounts WHERE id = ? FOR UPDATE`, accountID); err != nil {
			return notFound(err)
		}
		after = before
		for _, f := range []struct{ to, from *string }{{&after.Name, change.Name}, {&after.Timezone, change.Timezone},
			{&after.OptoutNumber, change.OptoutNumber}, {&after.Language, change.Language}} {
			if f.from != nil {
				*f.to = *f.from
			}
		}
		if after == before {
			return nil
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE accounts SET name = ?, timezone = ?, optout_number = ?, language = ? WHERE id = ?`,
			after.Name, after.Timezone, after.OptoutNumber, after.Language, accountID); err != nil {
			return fmt.Errorf("update account %d: %w", accountID, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditAccountUpdate, Subject: SubjectAccount, SubjectID: accountID,
			Before: before, After: after})
	})
	return after, err
}
