package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/semaphore"
)

// newPasswordHash, the sign-up, password change and link spending all hash
// through: a hash of the password when the gate has a slot, 503 busy (with
// Retry-After) when none came free in time.
func TestNewPasswordHashAnswersBusyWhenTheGateIsFull(t *testing.T) {
	gin.SetMode(gin.TestMode)
	call := func(s *Server) (*httptest.ResponseRecorder, string, bool) {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/api/v1/auth/signup", nil)
		hash, ok := s.newPasswordHash(context.Background(), c, "Correct-Horse-9")
		return w, hash, ok
	}

	w, hash, ok := call(&Server{hashes: newHashGate()})
	if !ok || w.Body.Len() != 0 || bcrypt.CompareHashAndPassword([]byte(hash), []byte("Correct-Horse-9")) != nil {
		t.Fatalf("free gate: ok %v, hash %q, body %s", ok, hash, w.Body)
	}

	full := &hashGate{sem: semaphore.NewWeighted(1), wait: time.Millisecond}
	if !full.sem.TryAcquire(1) {
		t.Fatal("could not fill the gate")
	}
	w, hash, ok = call(&Server{hashes: full})
	if ok || hash != "" || w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "2" ||
		!strings.Contains(w.Body.String(), `"type":"`+ProblemBase+`busy"`) {
		t.Fatalf("full gate: ok %v, hash %q, %d %v %s", ok, hash, w.Code, w.Header(), w.Body)
	}
}
