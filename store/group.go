package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Group is a named set of an account's customers.
//
// Membership rules, kept by every method below:
//   - every customer is in at least one group; whatever would leave a customer in
//     no group puts it in the default group 미지정 instead;
//   - 미지정 means "unassigned": joining any other group takes a customer out of it;
//   - 미지정 cannot be renamed or deleted.
type Group struct {
	ID            int64     `db:"id" json:"id"`
	AccountID     int64     `db:"account_id" json:"-"`
	Name          string    `db:"name" json:"name"`
	IsDefault     bool      `db:"is_default" json:"is_default"`
	CustomerCount int64     `db:"customer_count" json:"customer_count"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
}

// ErrDefaultGroup refuses renaming or deleting the default group.
var ErrDefaultGroup = errors.New("the default group 미지정 cannot be renamed or deleted")

// MaxGroupName is the longest group name in characters.
const MaxGroupName = 100

// MissingError names ids that do not exist in the account.
type MissingError struct {
	What string
	IDs  []int64
}

func (e *MissingError) Error() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return fmt.Sprintf("%s not found: %s", e.What, strings.Join(ids, ", "))
}

// Is lets errors.Is(err, ErrNotFound) match.
func (e *MissingError) Is(target error) bool { return target == ErrNotFound }

const groupColumns = `g.id, g.account_id, g.name, g.is_default, g.created_at,
	(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id) AS customer_count`

// Groups lists a page of the account's groups with member counts, the default first.
func (s *Store) Groups(ctx context.Context, accountID int64, p Page) ([]Group, int64, error) {
	where, args := "g.account_id = ?", []any{accountID}
	// Sorted by (is_default DESC, id): the cursor is GroupCursor's pair.
	k, ok, err := p.keys(2)
	if err != nil {
		return nil, 0, err
	}
	if ok {
		where += " AND (g.is_default < ? OR (g.is_default = ? AND g.id > ?))"
		args = append(args, k[0], k[0], k[1])
	}
	groups := []Group{}
	if err := s.db.SelectContext(ctx, &groups,
		`SELECT `+groupColumns+` FROM customer_groups g WHERE `+where+`
		 ORDER BY g.is_default DESC, g.id LIMIT ? OFFSET ?`, append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list groups: %w", err)
	}
	var total int64
	err = s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM customer_groups WHERE account_id = ?`, accountID)
	return groups, total, err
}

// GroupCursor is a group's cursor in the list of groups.
func GroupCursor(g Group) string {
	d := int64(0)
	if g.IsDefault {
		d = 1
	}
	return Cursor(d, g.ID)
}

// Group returns one group of the account.
func (s *Store) Group(ctx context.Context, accountID, id int64) (Group, error) {
	var g Group
	err := s.db.GetContext(ctx, &g, `SELECT `+groupColumns+` FROM customer_groups g WHERE g.account_id = ? AND g.id = ?`, accountID, id)
	return g, notFound(err)
}

// DefaultGroup returns the account's 미지정 group.
func (s *Store) DefaultGroup(ctx context.Context, accountID int64) (Group, error) {
	var g Group
	err := s.db.GetContext(ctx, &g, `SELECT `+groupColumns+` FROM customer_groups g WHERE g.account_id = ? AND g.is_default = 1`, accountID)
	return g, notFound(err)
}

func defaultGroupID(ctx context.Context, q sqlx.QueryerContext, accountID int64) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM customer_groups WHERE account_id = ? AND is_default = 1`, accountID)
	if err != nil {
		return 0, fmt.Errorf("default group of account %d: %w", accountID, notFound(err))
	}
	return id, nil
}

// CreateGroup creates a group. A name already in use becomes "name(1)", "name(2)",
// ...: the first free suffix for exactly that name (another group whose name merely
// starts with it does not count).
func (s *Store) CreateGroup(ctx context.Context, accountID int64, name string) (Group, error) {
	var g Group
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var err error
		g, err = createGroupTx(ctx, tx, accountID, name)
		return err
	})
	return g, err
}

func createGroupTx(ctx context.Context, tx *sqlx.Tx, accountID int64, name string) (Group, error) {
	// Serialise group creation per account so two concurrent "VIP" creations get
	// VIP and VIP(1) instead of one failing on the unique key.
	if _, err := tx.ExecContext(ctx, `SELECT id FROM accounts WHERE id = ? FOR UPDATE`, accountID); err != nil {
		return Group{}, fmt.Errorf("lock account: %w", err)
	}
	var taken []string
	if err := tx.SelectContext(ctx, &taken,
		`SELECT name FROM customer_groups WHERE account_id = ? AND (name = ? OR name LIKE ?)`,
		accountID, name, escapeLike(name)+"(%)"); err != nil {
		return Group{}, fmt.Errorf("look up group names: %w", err)
	}
	final := uniqueName(name, taken)
	if len([]rune(final)) > MaxGroupName {
		return Group{}, fmt.Errorf("group name %q with its suffix is longer than %d characters: %w", final, MaxGroupName, ErrConflict)
	}
	t := now()
	res, err := tx.ExecContext(ctx,
		`INSERT INTO customer_groups (account_id, name, is_default, created_at) VALUES (?, ?, 0, ?)`, accountID, final, t)
	if err != nil {
		return Group{}, fmt.Errorf("insert group: %w", err)
	}
	id, _ := res.LastInsertId()
	return Group{ID: id, AccountID: accountID, Name: final, CreatedAt: t}, nil
}

// uniqueName picks name, or name(n) with the smallest n ≥ 1 not in taken.
func uniqueName(name string, taken []string) string {
	set := make(map[string]bool, len(taken))
	for _, t := range taken {
		set[t] = true
	}
	if !set[name] {
		return name
	}
	for n := 1; ; n++ {
		if c := fmt.Sprintf("%s(%d)", name, n); !set[c] {
			return c
		}
	}
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// RenameGroup renames a group; the default group cannot be renamed, and a name
// in use by another group is a conflict.
func (s *Store) RenameGroup(ctx context.Context, accountID, id int64, name string) (Group, error) {
	g, err := s.Group(ctx, accountID, id)
	if err != nil {
		return g, err
	}
	if g.IsDefault {
		return g, ErrDefaultGroup
	}
	if g.Name == name {
		return g, nil
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE customer_groups SET name = ? WHERE account_id = ? AND id = ?`, name, accountID, id); err != nil {
		if isDuplicate(err) {
			return g, fmt.Errorf("a group named %q already exists: %w", name, ErrConflict)
		}
		return g, fmt.Errorf("rename group %d: %w", id, err)
	}
	return s.Group(ctx, accountID, id)
}

// DeleteGroup deletes a group; members left in no group move to 미지정.
// It answers how many customers moved.
func (s *Store) DeleteGroup(ctx context.Context, accountID, id int64) (int64, error) {
	var moved int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var g Group
		if err := tx.GetContext(ctx, &g, `SELECT id, account_id, name, is_default, created_at, 0 AS customer_count
			FROM customer_groups WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if g.IsDefault {
			return ErrDefaultGroup
		}
		def, err := defaultGroupID(ctx, tx, accountID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO group_members (account_id, group_id, customer_id, created_at)
			SELECT m.account_id, ?, m.customer_id, ? FROM group_members m
			 WHERE m.group_id = ? AND NOT EXISTS (
			   SELECT 1 FROM group_members o WHERE o.customer_id = m.customer_id AND o.group_id <> m.group_id)`,
			def, now(), id)
		if err != nil {
			return fmt.Errorf("re-home members of group %d: %w", id, err)
		}
		moved, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = ?`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM customer_groups WHERE account_id = ? AND id = ?`, accountID, id)
		return err
	})
	return moved, err
}

// checkCustomers verifies every id is a customer of the account.
func checkCustomers(ctx context.Context, q sqlx.QueryerContext, accountID int64, ids []int64) error {
	return checkOwned(ctx, q, accountID, "customers", "customers", ids)
}

func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func groupForUpdate(ctx context.Context, tx *sqlx.Tx, accountID, id int64) (Group, error) {
	var g Group
	err := tx.GetContext(ctx, &g, `SELECT id, account_id, name, is_default, created_at, 0 AS customer_count
		FROM customer_groups WHERE account_id = ? AND id = ?`, accountID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return g, &MissingError{What: "group", IDs: []int64{id}}
	}
	return g, err
}

// addMembers puts customers into group g (already checked to be the account's)
// and, for a group other than 미지정, takes them out of 미지정.
func addMembers(ctx context.Context, tx *sqlx.Tx, accountID int64, g Group, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	t := now()
	var b strings.Builder
	args := make([]any, 0, len(ids)*4)
	b.WriteString(`INSERT IGNORE INTO group_members (account_id, group_id, customer_id, created_at) VALUES `)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
		args = append(args, accountID, g.ID, id, t)
	}
	res, err := tx.ExecContext(ctx, b.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("add members to group %d: %w", g.ID, err)
	}
	added, _ := res.RowsAffected()
	if !g.IsDefault {
		def, err := defaultGroupID(ctx, tx, accountID)
		if err != nil {
			return 0, err
		}
		query, args, _ := sqlx.In(`DELETE FROM group_members WHERE group_id = ? AND customer_id IN (?)`, def, ids)
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return 0, fmt.Errorf("leave the default group: %w", err)
		}
	}
	return added, nil
}

// removeMembers takes customers out of group g; any left in no group go to 미지정.
func removeMembers(ctx context.Context, tx *sqlx.Tx, accountID int64, g Group, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	query, args, _ := sqlx.In(`DELETE FROM group_members WHERE group_id = ? AND customer_id IN (?)`, g.ID, ids)
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("remove members from group %d: %w", g.ID, err)
	}
	removed, _ := res.RowsAffected()
	return removed, rehome(ctx, tx, accountID, ids)
}

// rehome puts those of the customers that are in no group into 미지정.
func rehome(ctx context.Context, tx *sqlx.Tx, accountID int64, ids []int64) error {
	def, err := defaultGroupID(ctx, tx, accountID)
	if err != nil {
		return err
	}
	query, args, _ := sqlx.In(`INSERT IGNORE INTO group_members (account_id, group_id, customer_id, created_at)
		SELECT c.account_id, ?, c.id, ? FROM customers c
		 WHERE c.account_id = ? AND c.id IN (?)
		   AND NOT EXISTS (SELECT 1 FROM group_members m WHERE m.customer_id = c.id)`, def, now(), accountID, ids)
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("re-home customers: %w", err)
	}
	return nil
}

// MembershipResult says what a membership change did.
type MembershipResult struct {
	Changed int64 `json:"changed"`
}

// AddMembers adds customers to a group.
func (s *Store) AddMembers(ctx context.Context, accountID, groupID int64, ids []int64) (MembershipResult, error) {
	return s.changeMembers(ctx, accountID, groupID, ids, addMembers)
}

// RemoveMembers removes customers from a group (those left in none go to 미지정).
func (s *Store) RemoveMembers(ctx context.Context, accountID, groupID int64, ids []int64) (MembershipResult, error) {
	return s.changeMembers(ctx, accountID, groupID, ids, removeMembers)
}

// changeMembers locks the group, checks the customers are the account's and
// applies change to them (each once).
func (s *Store) changeMembers(ctx context.Context, accountID, groupID int64, ids []int64,
	change func(ctx context.Context, tx *sqlx.Tx, accountID int64, g Group, ids []int64) (int64, error)) (MembershipResult, error) {
	var r MembershipResult
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		g, err := groupForUpdate(ctx, tx, accountID, groupID)
		if err != nil {
			return err
		}
		if err := checkCustomers(ctx, tx, accountID, ids); err != nil {
			return err
		}
		r.Changed, err = change(ctx, tx, accountID, g, uniqueIDs(ids))
		return err
	})
	return r, err
}

// CopyMembers adds customers of group from to group to; they stay in from
// (unless from is 미지정, which they leave by joining another group).
func (s *Store) CopyMembers(ctx context.Context, accountID, from, to int64, ids []int64) (MembershipResult, error) {
	return s.transfer(ctx, accountID, from, to, ids, false)
}

// MoveMembers moves customers of group from to group to.
func (s *Store) MoveMembers(ctx context.Context, accountID, from, to int64, ids []int64) (MembershipResult, error) {
	return s.transfer(ctx, accountID, from, to, ids, true)
}

func (s *Store) transfer(ctx context.Context, accountID, from, to int64, ids []int64, move bool) (MembershipResult, error) {
	var r MembershipResult
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		src, err := groupForUpdate(ctx, tx, accountID, from)
		if err != nil {
			return err
		}
		dst, err := groupForUpdate(ctx, tx, accountID, to)
		if err != nil {
			return err
		}
		if err := checkCustomers(ctx, tx, accountID, ids); err != nil {
			return err
		}
		ids = uniqueIDs(ids)
		// Only members of the source group are copied or moved.
		query, args, _ := sqlx.In(`SELECT customer_id FROM group_members WHERE group_id = ? AND customer_id IN (?)`, src.ID, ids)
		var members []int64
		if err := tx.SelectContext(ctx, &members, query, args...); err != nil {
			return err
		}
		if missing := missingIDs(ids, members); len(missing) > 0 {
			return &MissingError{What: fmt.Sprintf("members of group %d", src.ID), IDs: missing}
		}
		if src.ID == dst.ID {
			return nil
		}
		if r.Changed, err = addMembers(ctx, tx, accountID, dst, members); err != nil {
			return err
		}
		if move {
			if _, err := removeMembers(ctx, tx, accountID, src, members); err != nil {
				return err
			}
			r.Changed = int64(len(members))
		}
		return nil
	})
	return r, err
}
