package workflows

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// CampaignWorkflowID is the ID of the workflow that sends campaign id.
func CampaignWorkflowID(campaignID int64) string { return fmt.Sprintf("campaign:%d", campaignID) }

// CampaignStartOptions are the options every starter of a campaign's workflow
// uses (the API, the outbox sweeper). The ID is the campaign's, so a campaign has
// at most one workflow at a time: a first run joins one already running (a double
// submit starts one), a retry run refuses to start beside one. A closed workflow
// may be followed by another; its StartCampaign activity decides from the
// database whether the new one has anything to do, and it makes the database
// transition (draft → running, or a retry run's reset) itself, so starting the
// workflow is the one step a send takes and nothing can be half done.
func CampaignStartOptions(taskQueue string, accountID, campaignID int64, run int) client.StartWorkflowOptions {
	o := client.StartWorkflowOptions{
		ID:                       CampaignWorkflowID(campaignID),
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    CampaignSearchAttributes(accountID, campaignID),
	}
	if run > 1 {
		// Not joined silently: the workflow running may be the previous run
		// still closing, and the caller must know its run has not started.
		o.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
		o.WorkflowExecutionErrorWhenAlreadyStarted = true
	}
	return o
}

// CampaignInput starts the Campaign workflow. Run is 1 for the first send and
// counts up for each retry-failed run. State is set only by continue-as-new.
type CampaignInput struct {
	AccountID  int64
	CampaignID int64
	Run        int
	// ReportDeadline bounds how long delivery reports are awaited after the last
	// chunk; messages still without a result then become unknown (default 24h).
	ReportDeadline time.Duration
	// ChunkSize and Window tune the send (defaults 10,000 messages and 8 chunks
	// in flight); MaxChunksPerRun forces continue-as-new after that many chunks
	// (0: only when the server suggests it) — a knob for tests.
	ChunkSize       int
	Window          int
	MaxChunksPerRun int
	// PrepareBatch is how many audience members a batch of the pipelined
	// prepare takes (default 50,000) — a knob for tests.
	PrepareBatch int `json:",omitempty"`
	// MaxReportPollsPerRun forces continue-as-new after that many report polls
	// (0: 300, or when the server suggests it) — a knob for tests.
	MaxReportPollsPerRun int
	State                *CampaignState
	// RequestedBy is who asked for the send or retry (nil: the system), for
	// the audit entry of the change StartCampaign may make.
	RequestedBy *Actor
}

// Actor is who asked for a workflow's change, as the audit log names them.
type Actor struct {
	Kind      string // user | api_key
	ID        int64
	Name      string
	IP        string
	RequestID string
}

// SignalCampaignControl carries a CampaignControl: pause, resume and cancel on
// one channel, so they are acted on in the order they arrived (also across
// continue-as-new). The API sends only this signal.
const SignalCampaignControl = "control"

// Actions of a CampaignControl.
const (
	ControlPause  = SignalCampaignPause
	ControlResume = SignalCampaignResume
	ControlCancel = SignalCampaignCancel
)

// CampaignControl is the payload of SignalCampaignControl.
type CampaignControl struct {
	Action string // ControlPause, ControlResume or ControlCancel
}

// Signal names of the Campaign workflow before SignalCampaignControl (no
// payload). Still honoured, for signals sent by an older API; a pause and a
// resume on different channels cannot be ordered, which is why they were replaced.
const (
	SignalCampaignPause  = "pause"
	SignalCampaignResume = "resume"
	SignalCampaignCancel = "cancel"
)

// QueryCampaignProgress answers a CampaignProgress.
const QueryCampaignProgress = "progress"

// Campaign stages, as progress reports them.
const (
	StageScheduled  = "scheduled"   // waiting for scheduled_at
	StagePreparing  = "preparing"   // materialising the audience
	StageSending    = "sending"     // chunks in flight
	StagePaused     = "paused"      // paused by the operator
	StageQuietHours = "quiet_hours" // an advertisement waiting for 08:00
	StageReports    = "reports"     // waiting for delivery reports
	StageCompleted  = "completed"
	StageCancelled  = "cancelled"
)

// RelayCounts are one relay's share of the progress.
type RelayCounts struct {
	RelayID   int64 `json:"relay_id"`
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Failed    int64 `json:"failed"`
	Fallback  int64 `json:"fallback"`
}

// Counts are messages by status (Sent means accepted, awaiting its report).
type Counts struct {
	Total     int64 `json:"total"`
	Pending   int64 `json:"pending"`
	Sent      int64 `json:"sent"`
	Delivered int64 `json:"delivered"`
	Failed    int64 `json:"failed"`
	Unknown   int64 `json:"unknown"`
	Fallback  int64 `json:"fallback"`
}

// CampaignProgress answers QueryCampaignProgress.
type CampaignProgress struct {
	Stage  string        `json:"stage"`
	Run    int           `json:"run"`
	Counts Counts        `json:"counts"`
	Relays []RelayCounts `json:"relays"`
	// Rate is messages handed to relays per second over the last chunks; ETA is
	// the seconds until every message is handed over at that rate.
	Rate       float64   `json:"rate"`
	ETASeconds float64   `json:"eta_seconds"`
	StartedAt  time.Time `json:"started_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	ResumeAt   time.Time `json:"resume_at,omitzero"` // end of quiet hours, or the scheduled time
}

// CampaignState is what continue-as-new carries forward.
type CampaignState struct {
	Progress  CampaignProgress
	Prepared  bool
	FirstID   int64
	LastID    int64
	NextID    int64 // the first message id not yet given to a chunk
	Paused    bool
	Cancelled bool
	Timezone  string
	Ad        bool
	// SendStartedAt is when the first chunk was launched (the rate counts from it).
	SendStartedAt time.Time
	// SendDoneAt is when the last chunk finished (the report deadline counts from it).
	SendDoneAt time.Time
	// NightConsent is how many recipients of an advertisement consent to
	// advertising at night (PrepareAudience counts them; 0: no night pass).
	NightConsent int64
	// NightNextID is the first message id the night pass has not yet given to a
	// chunk; NightFromID where the first night pass began (0: none). Day chunks
	// from NightFromID on report only what they sent, since a night chunk has
	// already counted part of their range.
	NightNextID int64
	NightFromID int64
	// Pipelined: the audience is prepared in batches while the chunks of the
	// batches already prepared are sent (versionPipelined); Prepared turns true
	// with the last batch. PrepareAfter is the customer id the next batch
	// starts after.
	Pipelined    bool  `json:",omitempty"`
	PrepareAfter int64 `json:",omitempty"`
	// Awaited and AwaitFrom are what the last report poll left awaiting
	// (CollectReportsResult), for the next poll.
	Awaited   []AwaitedRelay `json:",omitempty"`
	AwaitFrom int64          `json:",omitempty"`
	// Counted are the id ranges of the chunks whose results this campaign has
	// counted, merged (versionReportsBeside): what a poll beside the chunks
	// may apply reports to.
	Counted []IDRange `json:",omitempty"`
}

// Activity names of the campaign send.
const (
	ActivityStartCampaign   = "StartCampaign"
	ActivityPrepareAudience = "PrepareAudience"
	ActivitySendChunk       = "SendChunk"
	ActivityCollectReports  = "CollectReports"
	ActivityFinalize        = "FinalizeCampaign"
	ActivitySetStatus       = "SetCampaignStatus"
)

// StartCampaignInput begins the campaign's run Run and loads what the workflow
// needs to know about it. Run 1 moves a draft to scheduled or running (freezing
// its content); a later run resets the failed messages of the finished campaign
// to pending. Both are idempotent, so the API may have made the same change
// already. Run 0 (histories from before) only loads.
type StartCampaignInput struct {
	AccountID, CampaignID int64
	Run                   int
	RequestedBy           *Actor
}

// StartCampaignResult is the campaign as the workflow sees it.
type StartCampaignResult struct {
	ScheduledAt time.Time // zero: now
	Timezone    string    // the account's, for quiet hours
	Ad          bool      // an advertisement: quiet hours apply
	Status      string    // the stored status (cancelled before start ends the run)
	// Skip means this workflow has nothing to do: the run it was started for
	// has already been done (or superseded) by another workflow. It ends at
	// once without touching the campaign.
	Skip bool `json:",omitempty"`
}

// PrepareAudienceInput materialises the messages. A retry run (OnlyRange) adds
// no recipients: it reads the range and what is pending again.
//
// With Batch > 0 it prepares one batch of at most Batch audience members, those
// with a customer id above After, and answers the campaign's messages so far:
// FirstID, LastID and Total are what earlier batches prepared (0 before the
// first), and the result adds the rows this batch stored (ids above LastID).
type PrepareAudienceInput struct {
	AccountID, CampaignID int64
	OnlyRange             bool
	Batch                 int   `json:",omitempty"`
	After                 int64 `json:",omitempty"`
	FirstID, LastID       int64 `json:",omitempty"`
	Total                 int64 `json:",omitempty"`
}

// PrepareAudienceResult is the message id range of the campaign.
type PrepareAudienceResult struct {
	Total, FirstID, LastID int64
	Pending                int64 // messages waiting to be sent
	Skipped                int64 // audience members left out (no address for the channel, a missing variable)
	// NightConsent counts the pending messages of an advertisement whose
	// customers consent to advertising at night (0 for other campaigns).
	NightConsent int64 `json:",omitempty"`
	// Counts are the messages by status as they stand (retry runs only).
	Counts *Counts `json:",omitempty"`
	// Next is the customer id the next batch starts after (Batch > 0); 0 when
	// the audience is exhausted.
	Next int64 `json:",omitempty"`
}

// SendChunkInput sends the pending messages with ids in [FromID, ToID].
type SendChunkInput struct {
	AccountID, CampaignID int64
	Run                   int
	FromID, ToID          int64
	// NightOnly sends only to customers who consent to advertising at night
	// (quiet hours); the others stay pending for the morning.
	NightOnly bool `json:",omitempty"`
	// OwnCounts reports what this chunk sent rather than what its range holds:
	// night chunks, and day chunks over a range a night chunk has counted.
	OwnCounts bool `json:",omitempty"`
}

// SendChunkResult is what the chunk did.
type SendChunkResult struct {
	Sent      int64 // accepted, awaiting a report
	Delivered int64
	Failed    int64
	// Unknown: handed over in doubt to a relay whose reports cannot name it.
	Unknown  int64 `json:",omitempty"`
	Fallback int64
	Relays   []RelayCounts
}

// CollectReportsInput polls the campaign's relays once.
type CollectReportsInput struct {
	AccountID, CampaignID int64
	FirstID, LastID       int64
	// GiveUp marks every message still awaiting a report unknown.
	GiveUp bool
	// What the previous poll of this run left awaiting (its answer's Awaited
	// and AwaitFrom): the relays to poll, and the lowest id still awaiting a
	// report. Without them (the first poll) the poll reads the whole range to
	// find both.
	Awaited   []AwaitedRelay `json:",omitempty"`
	AwaitFrom int64          `json:",omitempty"`
	// Counted is set on a poll beside the chunks (versionReportsBeside): the
	// id ranges of the chunks whose results the workflow has counted. It reads
	// the report streams of the campaign's relays, applies a report to a
	// message of the campaign only in those ranges (store.ApplyCountedReports;
	// the rest it reads again next time), and answers the changes only: what
	// still awaits is for the polls after the send to find.
	Counted []IDRange `json:",omitempty"`
}

// IDRange is an inclusive range of message ids.
type IDRange struct {
	From, To int64
}

// AwaitedRelay is a relay with messages of the campaign awaiting reports
// (where the lowest of them is, is the answer's AwaitFrom, for all relays).
type AwaitedRelay struct {
	RelayID     int64
	Awaiting    int64
	FirstSentAt time.Time
}

// CollectReportsResult is what the poll found.
type CollectReportsResult struct {
	Delivered, Failed, Unknown int64
	// Fallback: AlimTalks whose report said they failed, sent their SMS/LMS
	// fallback by the poll (Relays has them at the fallback's relay).
	Fallback int64 `json:",omitempty"`
	// Awaiting is how many of the campaign's messages still await a report:
	// exact, except after a poll that stopped with More (the next poll
	// follows at once and counts again), where it is an estimate, at least 1
	// while any awaits. Zero means none does.
	Awaiting int64
	Relays   []RelayCounts
	// More: a relay had more reports ready than the poll read (it stopped at
	// its page limit) and the poll changed messages; the next poll need not
	// wait.
	More bool `json:",omitempty"`
	// Awaited lists, per relay, what still awaits a report after the poll, and
	// AwaitFrom is the lowest id among them (every message of the range below
	// it has its result): the next poll's starting point.
	Awaited   []AwaitedRelay `json:",omitempty"`
	AwaitFrom int64          `json:",omitempty"`
}

// FinalizeInput aggregates the campaign's counts into its row.
type FinalizeInput struct {
	AccountID, CampaignID int64
	Status                string
}

// FinalizeResult are the final counts.
type FinalizeResult struct {
	Counts Counts
	// Reported are each relay's delivered and failed messages as the rows
	// hold them (Sent and Fallback are left zero). A first run's progress
	// takes them at the end: a report poll whose worker died after writing
	// its pages had its count lost, not its writes.
	Reported []RelayCounts `json:",omitempty"`
}

// SetStatusInput records the campaign's status (paused, running, ...).
type SetStatusInput struct {
	AccountID, CampaignID int64
	Status                string
}

// CampaignActivities is what the Campaign workflow calls; activities.Activities
// implements it.
type CampaignActivities interface {
	StartCampaign(context.Context, StartCampaignInput) (StartCampaignResult, error)
	PrepareAudience(context.Context, PrepareAudienceInput) (PrepareAudienceResult, error)
	SendChunk(context.Context, SendChunkInput) (SendChunkResult, error)
	CollectReports(context.Context, CollectReportsInput) (CollectReportsResult, error)
	FinalizeCampaign(context.Context, FinalizeInput) (FinalizeResult, error)
	SetCampaignStatus(context.Context, SetStatusInput) error
}
