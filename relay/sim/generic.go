package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/sendingo/sendingo/relay"
)

// maxBodyBytes bounds one request body (1,000 messages of a few KB each).
const maxBodyBytes = 32 << 20

// Salts for the per-message decisions.
const (
	saltRecipient = 1
	saltReport    = 2
)

func (s *Simulator) authorized(r *http.Request) bool {
	return s.o.Token == "" || r.Header.Get("Authorization") == "Bearer "+s.o.Token
}

// genericSend handles POST /r/{name}/send.
func (s *Simulator) genericSend(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	rl.requests.Add(1)
	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, problem{"auth_failed", "missing or wrong bearer token"})
		return
	}
	var req relay.WireSendRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, problem{"bad_request", "read request: " + err.Error()})
		return
	}
	if len(req.Messages) > s.o.MaxBatch {
		writeJSON(w, http.StatusRequestEntityTooLarge, problem{"bad_request", fmt.Sprintf("%d messages; at most %d per request", len(req.Messages), s.o.MaxBatch)})
		return
	}
	for i, m := range req.Messages {
		if m.ID == "" {
			writeJSON(w, http.StatusBadRequest, problem{"bad_request", fmt.Sprintf("messages[%d] has no id", i)})
			return
		}
	}
	st := s.settings(rl.name)
	rng := s.rng()
	if !s.delay(r.Context(), st, rng) {
		return
	}
	if rng.Float64() < st.FaultRate {
		rl.faulted.Add(int64(len(req.Messages)))
		writeJSON(w, http.StatusServiceUnavailable, problem{"server_error", "simulated relay fault"})
		return
	}
	now := s.nowMs()
	finalAt := now + uint32(min(int64(st.ReportDelay)/1e6, 1<<31))
	ans := relay.WireSendAnswer{Messages: make([]relay.WireResult, len(req.Messages))}
	for i, m := range req.Messages {
		key := s.store.keyOf(m.ID, true)
		var entry logEntry
		seq, dup := s.store.admit(key, rl.idx, func() uint32 {
			entry = s.decide(key, m, st, now, finalAt)
			rl.mu.Lock()
			defer rl.mu.Unlock()
			rl.log = append(rl.log, entry)
			return uint32(len(rl.log) - 1)
		})
		rl.received.Add(1)
		if dup {
			rl.duplicates.Add(1)
			entry = rl.entry(seq)
		} else {
			rl.unique.Add(1)
			if entry.status == statusFailed {
				rl.failed.Add(1)
			}
		}
		ans.Messages[i] = s.wireResult(rl, seq, entry, now, true)
	}
	if !answerLate(r.Context(), st) {
		return
	}
	writeJSON(w, http.StatusOK, ans)
}

func (rl *endpoint) entry(seq uint32) logEntry {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.log[seq]
}

// decide fixes a new message's fate.
func (s *Simulator) decide(key uint64, m relay.WireMessage, st Settings, now, finalAt uint32) logEntry {
	e := logEntry{key: key, finalAt: finalAt, status: statusDeliver}
	switch {
	case strings.TrimSpace(m.To) == "" || !m.Channel.Valid():
		e.status, e.code, e.finalAt = statusFailed, codeInvalidNumber, now
		if m.Channel == relay.ChannelEmail {
			e.code = codeInvalidAddress
		}
	case s.unit(saltRecipient, key) < st.RecipientFailRate:
		e.status, e.finalAt = statusFailed, now
		switch m.Channel {
		case relay.ChannelAlimTalk:
			e.code = codeNotKakaoUser
		case relay.ChannelEmail:
			e.code = codeInvalidAddress
		default:
			e.code = codeInvalidNumber
		}
	case s.unit(saltReport, key) < st.ReportFailRate:
		e.status, e.code = statusReportErr, codeUndeliverable
		if m.Channel == relay.ChannelAlimTalk {
			e.code = codeBlocked
		}
	}
	return e
}

// wireResult is what the relay answers for a logged message. At send time an
// accepted message is "accepted" even if its report is already due.
func (s *Simulator) wireResult(rl *endpoint, seq uint32, e logEntry, now uint32, atSend bool) relay.WireResult {
	res := relay.WireResult{ID: s.store.idOf(e.key), ProviderID: rl.name + "-" + strconv.FormatUint(uint64(seq)+1, 10)}
	switch {
	case e.status == statusFailed:
		res.Status, res.ErrorCode = relay.WireFailed, failureCodes[e.code]
		res.Error = "simulated recipient failure"
	case atSend || now < e.finalAt:
		res.Status = relay.WireAccepted
	case e.status == statusReportErr:
		res.Status, res.ErrorCode, res.Error = relay.WireFailed, failureCodes[e.code], "simulated delivery failure"
	default:
		res.Status = relay.WireDelivered
	}
	return res
}

// genericReports handles GET /r/{name}/reports?since={cursor}&limit={n}: the final
// reports of accepted messages in acceptance order from the cursor on, up to the
// first one not final yet.
func (s *Simulator) genericReports(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, problem{"auth_failed", "missing or wrong bearer token"})
		return
	}
	q := r.URL.Query()
	since, limit := 0, 1000
	if v := q.Get("since"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, problem{"bad_request", "since must be a cursor from a previous answer"})
			return
		}
		since = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, problem{"bad_request", "limit must be a positive number"})
			return
		}
		limit = min(n, 10000)
	}
	now := s.nowMs()
	out := relay.WireReports{Reports: []relay.WireReport{}}
	rl.mu.Lock()
	i := min(since, len(rl.log))
	for ; i < len(rl.log) && len(out.Reports) < limit; i++ {
		e := rl.log[i]
		if e.status == statusFailed {
			continue // answered at send time
		}
		if now < e.finalAt {
			break
		}
		res := s.wireResult(rl, uint32(i), e, now, false)
		out.Reports = append(out.Reports, relay.WireReport{
			ID: res.ID, ProviderID: res.ProviderID, Status: res.Status,
			ErrorCode: res.ErrorCode, Error: res.Error, At: s.timeOf(e.finalAt),
		})
	}
	out.More = len(out.Reports) == limit && i < len(rl.log) && rl.log[i].finalAt <= now
	rl.mu.Unlock()
	out.Next = strconv.Itoa(i)
	writeJSON(w, http.StatusOK, out)
}

// genericLookup handles POST /r/{name}/lookup: the current state of the ids this
// relay has; unknown ids are left out.
func (s *Simulator) genericLookup(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	if !s.authorized(r) {
		writeJSON(w, http.StatusUnauthorized, problem{"auth_failed", "missing or wrong bearer token"})
		return
	}
	if s.settings(rl.name).NoLookup {
		http.NotFound(w, r)
		return
	}
	var req relay.WireLookup
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, problem{"bad_request", "read request: " + err.Error()})
		return
	}
	now := s.nowMs()
	out := relay.WireSendAnswer{Messages: []relay.WireResult{}}
	for _, id := range req.IDs {
		seq, ok := s.store.seen(s.store.keyOf(id, false), rl.idx)
		if !ok {
			continue
		}
		out.Messages = append(out.Messages, s.wireResult(rl, seq, rl.entry(seq), now, false))
	}
	writeJSON(w, http.StatusOK, out)
}
