package store

import "strings"

// Column lists of the tables the store reads whole rows of. Queries name their
// columns rather than SELECT *: a migration that adds a column then changes no
// read until a struct field and its list take it up, and sqlx never meets a
// column it has no field for. Each list is the table's columns in table order;
// qualify prefixes them with a join's table alias.
const (
	accountsColumns  = `id, name, timezone, optout_number, created_at, language`
	usersColumns     = `id, account_id, name, email, phone, password_hash, role, token_version, created_at`
	templatesColumns = `id, account_id, name, channel, subject, body, buttons, variables, provider_template_code, sender_key,
		fallback_subject, fallback_text, advertisement, created_at, updated_at, provider_status,
		provider_relay_id, provider_synced_at`
	relaysColumns = `id, account_id, name, kind, channel, config, weight, price_milli, rate_limit, enabled, created_at,
		updated_at`
	campaignsColumns = `id, account_id, name, template_id, status, audience_kind, group_ids, customer_ids, variables,
		event_id, event_day, routing, scheduled_at, content, run, total, pending, sending, sent, delivered,
		failed, unknown, fallback, first_message_id, last_message_id, error, started_at, completed_at,
		created_at, updated_at, left_out`
	customersColumns = `id, account_id, name, phone, email, attributes, opted_out, created_at, updated_at, night_ad_consent,
		not_mobile, opted_out_at, opt_out_source`
	importsColumns = `id, account_id, filename, format, status, columns_json, total_rows, valid_rows, invalid_rows,
		duplicate_rows, target_group_id, new_group_name, committed_through, processed_rows, created_count,
		updated_count, skipped_count, error, created_by, created_at, commit_started_at, completed_at,
		not_mobile_rows`
	importRowsColumns = `id, import_id, account_id, line, name, phone, raw_phone, email, attributes, verdict, reason,
		night_consent`
	purchasesColumns         = `id, account_id, customer_id, order_id, amount, purchased_at, created_at`
	checkinsColumns          = `id, account_id, event_id, customer_id, day, total_days, streak_days, checked_in_at`
	campaignSchedulesColumns = `id, account_id, name, template_id, group_ids, routing, cron, timezone, starts_at, ends_at, paused,
		deleted, version, synced_version, sync_error, created_at, updated_at`
	campaignScheduleRunsColumns = `id, schedule_id, account_id, scheduled_for, campaign_id, skipped, created_at`
	invitationsColumns          = `id, account_id, email, role, token_hash, nonce, invited_by, invited_by_name, created_at, expires_at,
		accepted_at, accepted_user_id, mail_status, mail_error`
	passwordResetsColumns   = `id, account_id, user_id, request_key, token_hash, nonce, created_at, expires_at, used_at`
	stockAdjustmentsColumns = `id, account_id, event_id, tier_id, delta, stock_before, stock_after, waitlist_granted, reason,
		actor_kind, actor_user_id, actor_key_id, actor_name, notice_campaign_id, created_at`
	apiKeysColumns     = `id, account_id, name, prefix, role, key_hash, created_by, created_at, last_used_at`
	relayHealthColumns = `relay_id, account_id, window_seconds, calls, faults, messages, latency_p50_us, latency_p95_us,
		breaker_state, consecutive_failures, opened_at, retry_at, observed_at`
	auditLogColumns = `id, account_id, at, actor_kind, actor_id, actor_name, action, subject_type, subject_id, before_json,
		after_json, ip, request_id`
	campaignAudiencesColumns = `id, account_id, campaign_id, outcome, group_id, new_group_name, status, run, first_message_id,
		last_message_id, next_message_id, total, processed, matched, added, error, created_at, updated_at`
)

// qualify prefixes each column of list with alias ("c" → "c.id, c.account_id, …").
func qualify(alias, list string) string {
	cols := strings.Split(list, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
