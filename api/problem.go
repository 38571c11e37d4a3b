package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// ProblemBase prefixes every problem type; the slug after it is stable.
const ProblemBase = "https://sendingo.dev/problems/"

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
	// Extensions are extra members of the document (RFC 9457 §3.2).
	Extensions map[string]any `json:"-"`
}

// MarshalJSON writes the members and the extensions side by side.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extensions) == 0 {
		return b, err
	}
	ext, err := json.Marshal(p.Extensions)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), ext[1:]...), nil
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problem writes a problem document and aborts the request.
func problem(c *gin.Context, status int, slug, title, detail string) {
	writeProblem(c, Problem{Type: ProblemBase + slug, Title: title, Status: status, Detail: detail})
}

func writeProblem(c *gin.Context, p Problem) {
	p.Instance = c.Request.URL.Path
	c.Header("Content-Type", "application/problem+json")
	c.Status(p.Status)
	b, _ := json.Marshal(p)
	_, _ = c.Writer.Write(b)
	c.Abort()
}

func notFound(c *gin.Context, what string) {
	problem(c, http.StatusNotFound, "not-found", "Not found", what+" not found")
}

func badRequest(c *gin.Context, detail string) {
	problem(c, http.StatusBadRequest, "bad-request", "Bad request", detail)
}

func conflict(c *gin.Context, detail string) {
	problem(c, http.StatusConflict, "conflict", "Conflict", detail)
}

func unprocessable(c *gin.Context, slug, title, detail string) {
	problem(c, http.StatusUnprocessableEntity, slug, title, detail)
}

// internalError logs err and answers 500 without leaking it.
func internalError(c *gin.Context, err error) {
	_ = c.Error(err)
	problem(c, http.StatusInternalServerError, "internal", "Internal server error",
		"something went wrong on our side; the request id is "+requestIDOf(c))
}

// Fields collects validation errors of one request.
type Fields []FieldError

// Add records that field is invalid.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Text trims a required text field (absent: empty) and checks it is given and
// at most max characters long; required is the message when it is not (such as
// "is required"). It answers the trimmed text.
func (f *Fields) Text(field string, v *string, max int, required string) string {
	s := ""
	if v != nil {
		s = strings.TrimSpace(*v)
	}
	switch {
	case s == "":
		f.Add(field, "%s", required)
	case utf8.RuneCountInString(s) > max:
		f.Add(field, "must be at most %d characters", max)
	}
	return s
}

// Email checks a required e-mail address and answers it normalized.
func (f *Fields) Email(field, v string) string {
	email, ok := normalizeEmail(v)
	switch {
	case strings.TrimSpace(v) == "":
		f.Add(field, "is required")
	case !ok:
		f.Add(field, "is not a valid e-mail address")
	}
	return email
}

// Has reports whether field already has an error.
func (f Fields) Has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Abort answers 422 with the collected errors and reports whether it did.
func (f Fields) Abort(c *gin.Context) bool {
	if len(f) == 0 {
		return false
	}
	names := make([]string, len(f))
	for i, e := range f {
		names[i] = e.Field
	}
	writeProblem(c, Problem{Type: ProblemBase + "validation", Title: "Validation failed",
		Status: http.StatusUnprocessableEntity,
		Detail: "invalid fields: " + strings.Join(names, ", "), Errors: f})
	return true
}

// bindJSON decodes the body into v, answering 400/413/415/422 itself when it
// cannot. It returns false when the request was answered.
// bindChecked binds the JSON body to a request and checks it with check, which
// answers what the handler goes on with; it answers 400 or 422 itself and
// reports success.
func bindChecked[R, P any](c *gin.Context, check func(R, *Fields) P) (R, P, bool) {
	var req R
	var p P
	if !bindJSON(c, &req) {
		return req, p, false
	}
	var errs Fields
	p = check(req, &errs)
	return req, p, !errs.Abort(c)
}

func bindJSON(c *gin.Context, v any) bool {
	// curl -d sends application/x-www-form-urlencoded; reading that as JSON is kinder
	// than refusing it. Anything else that is clearly not JSON is refused.
	if ct := c.ContentType(); ct != "" && ct != "application/json" && !strings.HasSuffix(ct, "+json") &&
		ct != "application/x-www-form-urlencoded" && ct != "text/plain" {
		problem(c, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			fmt.Sprintf("send JSON with Content-Type application/json, not %s", ct))
		return false
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.UseNumber()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			badRequest(c, "malformed JSON: more than one JSON value in the body")
			return false
		}
		return true
	}
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		problem(c, http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large",
			fmt.Sprintf("the body is larger than the %d-byte limit", maxErr.Limit))
	case errors.Is(err, io.EOF):
		badRequest(c, "the request body is empty; send a JSON object")
	case errors.As(err, &syntaxErr):
		badRequest(c, fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, err))
	case errors.Is(err, io.ErrUnexpectedEOF):
		badRequest(c, "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			badRequest(c, fmt.Sprintf("the body must be a JSON object, not %s", typeErr.Value))
			return false
		}
		Fields{{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}}.Abort(c)
	default:
		badRequest(c, "malformed JSON: "+err.Error())
	}
	return false
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	default:
		return "a number"
	}
}
