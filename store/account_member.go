package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Roles of users and API keys, from least to most.
const (
	RoleViewer = "viewer"
	RoleSender = "sender"
	RoleAdmin  = "admin"
	RoleOwner  = "owner"
)

// Roles lists the roles from least to most.
var Roles = []string{RoleViewer, RoleSender, RoleAdmin, RoleOwner}

// RoleRank orders the roles (0 for an unknown one), so that "at least admin"
// is a comparison.
func RoleRank(role string) int {
	for i, r := range Roles {
		if r == role {
			return i + 1
		}
	}
	return 0
}

// Errors of member changes.
var (
	// ErrLastOwner refuses a change that would leave the account without an owner.
	ErrLastOwner = errors.New("the account must keep at least one owner")
	// ErrOwnerOnly refuses an admin a change to who owns the account.
	ErrOwnerOnly = errors.New("only an owner can grant, take away or remove the owner role")
)

// memberSnapshot is what the audit log keeps of a member.
type memberSnapshot struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

func snapshotMember(u User) memberSnapshot {
	return memberSnapshot{Name: u.Name, Email: u.Email, Role: u.Role}
}

// Members pages the account's users, oldest first.
func (s *Store) Members(ctx context.Context, accountID int64, p Page) ([]User, int64, error) {
	where, args, err := p.afterID("id", false, []string{"account_id = ?"}, []any{accountID})
	if err != nil {
		return nil, 0, err
	}
	us := []User{}
	if err := s.db.SelectContext(ctx, &us, `SELECT `+usersColumns+` FROM users WHERE `+strings.Join(where, " AND ")+` ORDER BY id LIMIT ? OFFSET ?`,
		append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list members: %w", err)
	}
	var total int64
	err = s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM users WHERE account_id = ?`, accountID)
	return us, total, err
}

// lockMembers takes the account row's lock: every change to who belongs to
// the account, and with which role, runs under it, so two owners demoting
// each other at once cannot leave the account with none.
func lockMembers(ctx context.Context, tx *sqlx.Tx, accountID int64) error {
	var id int64
	if err := tx.GetContext(ctx, &id, `SELECT id FROM accounts WHERE id = ? FOR UPDATE`, accountID); err != nil {
		return notFound(err)
	}
	return nil
}

// memberForChange loads a member under the account lock and checks that the
// change keeps an owner: when it takes the owner role from target, another
// owner must remain; and only an owner may touch the owner role.
func memberForChange(ctx context.Context, tx *sqlx.Tx, accountID, userID int64, newRole string, byOwner bool) (User, error) {
	if err := lockMembers(ctx, tx, accountID); err != nil {
		return User{}, err
	}
	var u User
	if err := tx.GetContext(ctx, &u, `SELECT `+usersColumns+` FROM users WHERE account_id = ? AND id = ?`, accountID, userID); err != nil {
		return User{}, notFound(err)
	}
	if (u.Role == RoleOwner || newRole == RoleOwner) && u.Role != newRole && !byOwner {
		return User{}, ErrOwnerOnly
	}
	if u.Role == RoleOwner && newRole != RoleOwner {
		var owners int
		if err := tx.GetContext(ctx, &owners, `SELECT COUNT(*) FROM users WHERE account_id = ? AND role = ?`, accountID, RoleOwner); err != nil {
			return User{}, fmt.Errorf("count owners: %w", err)
		}
		if owners <= 1 {
			return User{}, ErrLastOwner
		}
	}
	return u, nil
}

// SetMemberRole gives a member a role (audited with the role before and
// after). byOwner says the caller is an owner: only owners touch the owner role.
func (s *Store) SetMemberRole(ctx context.Context, accountID, userID int64, role string, byOwner bool) (User, error) {
	var out User
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		u, err := memberForChange(ctx, tx, accountID, userID, role, byOwner)
		if err != nil {
			return err
		}
		if u.Role == role {
			out = u
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, userID); err != nil {
			return fmt.Errorf("set role of user %d: %w", userID, err)
		}
		out = u
		out.Role = role
		return audit(ctx, tx, accountID, Change{Action: AuditMemberRole, Subject: SubjectUser, SubjectID: userID,
			Before: snapshotMember(u), After: snapshotMember(out)})
	})
	return out, err
}

// RemoveMember deletes a member's login (audited). Their tokens stop working
// at once: a token's user must exist. What they made stays with the account.
func (s *Store) RemoveMember(ctx context.Context, accountID, userID int64, byOwner bool) error {
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		u, err := memberForChange(ctx, tx, accountID, userID, "", byOwner)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("delete user %d: %w", userID, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditMemberRemove, Subject: SubjectUser, SubjectID: userID,
			Before: snapshotMember(u)})
	})
}

// ChangePassword stores a new password hash and raises the token version, so
// every token issued before stops working (audited).
func (s *Store) ChangePassword(ctx context.Context, accountID, userID int64, hash string) (User, error) {
	var out User
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var err error
		out, err = setPassword(ctx, tx, accountID, userID, hash)
		if err != nil {
			return err
		}
		return audit(ctx, tx, accountID, Change{Action: AuditPasswordChange, Subject: SubjectUser, SubjectID: userID})
	})
	return out, err
}

// setPassword stores the hash, raises the token version, and spends every
// reset link still open (a new password makes them pointless, and an old
// one in a mailbox is a way in).
func setPassword(ctx context.Context, tx *sqlx.Tx, accountID, userID int64, hash string) (User, error) {
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, token_version = token_version + 1
		WHERE account_id = ? AND id = ?`, hash, accountID, userID)
	if err != nil {
		return User{}, fmt.Errorf("set password of user %d: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return User{}, ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at < '1970-01-02'`,
		now(), userID); err != nil {
		return User{}, fmt.Errorf("spend reset links of user %d: %w", userID, err)
	}
	var u User
	if err := tx.GetContext(ctx, &u, `SELECT `+usersColumns+` FROM users WHERE id = ?`, userID); err != nil {
		return User{}, fmt.Errorf("read user %d: %w", userID, err)
	}
	return u, nil
}

// LogoutAll raises the user's token version: every token issued before it
// stops working (audited).
func (s *Store) LogoutAll(ctx context.Context, accountID, userID int64) (User, error) {
	var u User
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET token_version = token_version + 1 WHERE account_id = ? AND id = ?`,
			accountID, userID)
		if err != nil {
			return fmt.Errorf("sign out user %d: %w", userID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := tx.GetContext(ctx, &u, `SELECT `+usersColumns+` FROM users WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("read user %d: %w", userID, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditSessionLogoutAll, Subject: SubjectUser, SubjectID: userID})
	})
	return u, err
}
