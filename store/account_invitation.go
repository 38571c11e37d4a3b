package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Errors of single-use links (invitations, password resets).
var (
	ErrLinkExpired = errors.New("the link has expired")
	ErrLinkUsed    = errors.New("the link has already been used")
)

// Mail states of an invitation.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// Invitation asks someone to join an account with a role. Its token is not
// stored (see package onetime): Nonce rebuilds it, TokenHash finds it.
type Invitation struct {
	ID             int64     `db:"id" json:"id"`
	AccountID      int64     `db:"account_id" json:"-"`
	Email          string    `db:"email" json:"email"`
	Role           string    `db:"role" json:"role"`
	TokenHash      []byte    `db:"token_hash" json:"-"`
	Nonce          []byte    `db:"nonce" json:"-"`
	InvitedBy      int64     `db:"invited_by" json:"invited_by"`
	InvitedByName  string    `db:"invited_by_name" json:"invited_by_name"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
	ExpiresAt      time.Time `db:"expires_at" json:"expires_at"`
	AcceptedAt     time.Time `db:"accepted_at" json:"-"`
	AcceptedUserID int64     `db:"accepted_user_id" json:"-"`
	MailStatus     string    `db:"mail_status" json:"mail_status"`
	MailError      string    `db:"mail_error" json:"mail_error"`
}

// Accepted reports whether the invitation has been used.
func (i Invitation) Accepted() bool { return IsSet(i.AcceptedAt) }

// invitationSnapshot is what the audit log keeps of an invitation.
type invitationSnapshot struct {
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	ExpiresAt time.Time `json:"expires_at"`
}

func snapshotInvitation(i Invitation) invitationSnapshot {
	return invitationSnapshot{Email: i.Email, Role: i.Role, ExpiresAt: i.ExpiresAt}
}

// CreateInvitation stores an invitation (audited). An address that is already
// a member of the account is ErrConflict; an earlier invitation of the same
// address that was not accepted is replaced, so only the newest link works.
func (s *Store) CreateInvitation(ctx context.Context, accountID int64, inv Invitation) (Invitation, error) {
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if err := lockMembers(ctx, tx, accountID); err != nil {
			return err
		}
		var members int
		if err := tx.GetContext(ctx, &members, `SELECT COUNT(*) FROM users WHERE account_id = ? AND email = ?`,
			accountID, inv.Email); err != nil {
			return fmt.Errorf("check membership: %w", err)
		}
		if members > 0 {
			return fmt.Errorf("%s is already a member of this account: %w", inv.Email, ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE account_id = ? AND email = ? AND accepted_at < '1970-01-02'`,
			accountID, inv.Email); err != nil {
			return fmt.Errorf("replace earlier invitations: %w", err)
		}
		inv.AccountID, inv.CreatedAt, inv.MailStatus, inv.MailError = accountID, now(), MailPending, ""
		inv.ExpiresAt = inv.ExpiresAt.UTC().Truncate(time.Microsecond)
		res, err := tx.ExecContext(ctx, `INSERT INTO invitations (account_id, email, role, token_hash, nonce, invited_by,
			invited_by_name, created_at, expires_at, mail_status) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			accountID, inv.Email, inv.Role, inv.TokenHash, inv.Nonce, inv.InvitedBy, truncate(inv.InvitedByName, 200),
			inv.CreatedAt, inv.ExpiresAt, inv.MailStatus)
		if err != nil {
			return fmt.Errorf("insert invitation: %w", err)
		}
		inv.ID, _ = res.LastInsertId()
		if err := insertOutbox(ctx, tx, accountID, OutboxInvitationMail, inv.ID); err != nil {
			return err
		}
		return audit(ctx, tx, accountID, Change{Action: AuditInvitationCreate, Subject: SubjectInvitation, SubjectID: inv.ID,
			After: snapshotInvitation(inv)})
	})
	return inv, err
}

// Invitation returns one invitation of the account.
func (s *Store) Invitation(ctx context.Context, accountID, id int64) (Invitation, error) {
	var inv Invitation
	err := s.db.GetContext(ctx, &inv, `SELECT `+invitationsColumns+` FROM invitations WHERE account_id = ? AND id = ?`, accountID, id)
	return inv, notFound(err)
}

// InvitationByToken finds an invitation by its token's hash.
func (s *Store) InvitationByToken(ctx context.Context, tokenHash []byte) (Invitation, error) {
	var inv Invitation
	err := s.db.GetContext(ctx, &inv, `SELECT `+invitationsColumns+` FROM invitations WHERE token_hash = ?`, tokenHash)
	return inv, notFound(err)
}

// Invitations pages the account's invitations that were not accepted (the
// accepted ones are members now), newest first; expired ones included.
func (s *Store) Invitations(ctx context.Context, accountID int64, p Page) ([]Invitation, int64, error) {
	base := []string{"account_id = ?", "accepted_at < '1970-01-02'"}
	where, args, err := p.afterID("id", true, base, []any{accountID})
	if err != nil {
		return nil, 0, err
	}
	out := []Invitation{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+invitationsColumns+` FROM invitations WHERE `+strings.Join(where, " AND ")+`
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list invitations: %w", err)
	}
	var total int64
	err = s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM invitations WHERE `+strings.Join(base, " AND "), accountID)
	return out, total, err
}

// DeleteInvitation withdraws an invitation that was not accepted (audited):
// its link stops working.
func (s *Store) DeleteInvitation(ctx context.Context, accountID, id int64) error {
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var inv Invitation
		if err := tx.GetContext(ctx, &inv, `SELECT `+invitationsColumns+` FROM invitations WHERE account_id = ? AND id = ? AND accepted_at < '1970-01-02'
			FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invitations WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete invitation %d: %w", id, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditInvitationDelete, Subject: SubjectInvitation, SubjectID: id,
			Before: snapshotInvitation(inv)})
	})
}

// NewMember is who accepts an invitation; the password is already hashed.
type NewMember struct {
	Name, PasswordHash string
}

// AcceptInvitation spends the invitation whose token hashes to tokenHash and
// creates its member, with the invitation's e-mail and role, in one
// transaction (audited, as done by the new member). An unknown token is
// ErrNotFound; a spent one ErrLinkUsed, an old one ErrLinkExpired; an e-mail
// that has a login already is ErrConflict. On any error nothing changes.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash []byte, m NewMember, at time.Time) (User, error) {
	var u User
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		// The account lock first, then the invitation, in the order
		// CreateInvitation takes them.
		var accountID int64
		if err := tx.GetContext(ctx, &accountID, `SELECT account_id FROM invitations WHERE token_hash = ?`, tokenHash); err != nil {
			return notFound(err)
		}
		if err := lockMembers(ctx, tx, accountID); err != nil {
			return err
		}
		var inv Invitation
		if err := tx.GetContext(ctx, &inv, `SELECT `+invitationsColumns+` FROM invitations WHERE token_hash = ? FOR UPDATE`, tokenHash); err != nil {
			return notFound(err)
		}
		switch {
		case inv.Accepted():
			return ErrLinkUsed
		case !at.Before(inv.ExpiresAt):
			return ErrLinkExpired
		}
		t := now()
		res, err := tx.ExecContext(ctx, `INSERT INTO users (account_id, name, email, phone, password_hash, role, created_at)
			VALUES (?, ?, ?, '', ?, ?, ?)`, inv.AccountID, m.Name, inv.Email, m.PasswordHash, inv.Role, t)
		if err != nil {
			if isDuplicate(err) {
				return fmt.Errorf("%s already has a sendingo login: %w", inv.Email, ErrConflict)
			}
			return fmt.Errorf("insert user: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = ?, accepted_user_id = ? WHERE id = ?`,
			t, id, inv.ID); err != nil {
			return fmt.Errorf("spend invitation %d: %w", inv.ID, err)
		}
		u = User{ID: id, AccountID: inv.AccountID, Name: m.Name, Email: inv.Email, PasswordHash: m.PasswordHash,
			Role: inv.Role, CreatedAt: t}
		by := ActorFrom(ctx)
		by.Kind, by.UserID, by.Name = ActorUser, id, m.Name
		return audit(WithActor(ctx, by), tx, inv.AccountID, Change{Action: AuditInvitationAccept, Subject: SubjectInvitation,
			SubjectID: inv.ID, After: snapshotMember(u)})
	})
	return u, err
}

// InvitationForMail is an invitation with what its mail says.
type InvitationForMail struct {
	Invitation
	AccountName string `db:"account_name"`
}

// InvitationMail returns what the invitation's mail needs.
func (s *Store) InvitationMail(ctx context.Context, accountID, id int64) (InvitationForMail, error) {
	var out InvitationForMail
	err := s.db.GetContext(ctx, &out, `SELECT `+qualify("i", invitationsColumns)+`, a.name AS account_name FROM invitations i JOIN accounts a ON a.id = i.account_id
		WHERE i.account_id = ? AND i.id = ?`, accountID, id)
	return out, notFound(err)
}

// MarkInvitationMail records how the invitation's mail went.
func (s *Store) MarkInvitationMail(ctx context.Context, accountID, id int64, status, reason string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE invitations SET mail_status = ?, mail_error = ? WHERE account_id = ? AND id = ?`,
		status, truncate(reason, 500), accountID, id); err != nil {
		return fmt.Errorf("mark mail of invitation %d: %w", id, err)
	}
	return nil
}
