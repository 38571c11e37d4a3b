// Package apitest is the HTTP client the API's tests use. Every response it sees
// is checked against api/openapi.yaml: an undocumented route, status or body shape
// fails the test that made the request.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/sendingo/sendingo/api"
)

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

func router() (routers.Router, error) {
	specOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("application/problem+json", openapi3filter.JSONBodyDecoder)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(api.OpenAPISpec())
		if err != nil {
			specErr = err
			return
		}
		if err = doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://sendingo.test"}}
		specDoc = doc
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	return specRouter, specErr
}

// CheckSchema checks a JSON document against the schema name of the spec's
// components (payloads that are not HTTP answers, such as server-sent events).
func CheckSchema(name string, data []byte) error {
	if _, err := router(); err != nil {
		return err
	}
	ref, ok := specDoc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		return fmt.Errorf("api/openapi.yaml has no schema %s", name)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("decode %s: %w", data, err)
	}
	return ref.Value.VisitJSON(v)
}

// Client talks to one API base URL as one caller.
type Client struct {
	T       testing.TB
	BaseURL string
	Token   string // Bearer token, if any
	APIKey  string // X-API-Key, if any
	HTTP    *http.Client
	// SkipSpec turns off the OpenAPI check (for deliberately malformed requests
	// that the spec's request schema cannot describe).
	SkipSpec bool
}

// New returns a client for base (e.g. an httptest server's URL).
func New(t testing.TB, base string) *Client {
	return &Client{T: t, BaseURL: strings.TrimRight(base, "/"), HTTP: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// As returns a copy of the client that authenticates with token.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.Token, cp.APIKey = token, ""
	return &cp
}

// WithKey returns a copy of the client that authenticates with an API key.
func (c *Client) WithKey(key string) *Client {
	cp := *c
	cp.Token, cp.APIKey = "", key
	return &cp
}

// Response is a fully read answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	t      testing.TB
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as a JSON object.
func (r *Response) Map() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.JSON(&m)
	return m
}

// Problem decodes a problem document, failing unless the content type says so.
func (r *Response) Problem() api.Problem {
	r.t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		r.t.Fatalf("want a problem document, got %s: %s", ct, r.Body)
	}
	var p api.Problem
	r.JSON(&p)
	return p
}

// Slug is the last segment of the problem type.
func (r *Response) Slug() string {
	p := r.Problem()
	return p.Type[strings.LastIndex(p.Type, "/")+1:]
}

// Expect fails the test unless the status is want.
func (r *Response) Expect(want int) *Response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
	}
	return r
}

// Do sends a request with a JSON body (nil for none; a string or []byte is sent
// as is) and checks the answer against the spec.
func (c *Client) Do(method, path string, body any) *Response {
	c.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.BaseURL+path, rd)
	if err != nil {
		c.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.Send(req)
}

// Upload posts a multipart form with one file field.
func (c *Client) Upload(path, field, filename string, content []byte, fields map[string]string) *Response {
	c.T.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile(field, filename)
	if err != nil {
		c.T.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = w.Close()
	req, err := http.NewRequest(http.MethodPost, c.BaseURL+path, &buf)
	if err != nil {
		c.T.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Send(req)
}

// Send sends a prepared request with the client's credentials.
func (c *Client) Send(req *http.Request) *Response {
	c.T.Helper()
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.APIKey != "" {
		req.Header.Set("X-API-Key", c.APIKey)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.T.Fatal(err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, t: c.T}
	if !c.SkipSpec {
		if err := checkSpec(req, r); err != nil {
			c.T.Errorf("%s %s → %d does not match api/openapi.yaml: %v\nbody: %.500s", req.Method, req.URL.Path, r.Status, err, body)
		}
	}
	return r
}

func checkSpec(req *http.Request, r *Response) error {
	rt, err := router()
	if err != nil {
		return err
	}
	u, _ := url.Parse("http://sendingo.test" + req.URL.RequestURI())
	sreq := req.Clone(context.Background())
	sreq.URL = u
	sreq.Host = u.Host
	sreq.Body = http.NoBody
	route, params, err := rt.FindRoute(sreq)
	if err != nil {
		if r.Status == http.StatusNotFound || r.Status == http.StatusMethodNotAllowed {
			return nil // unknown routes are refused, and need no documentation
		}
		return err
	}
	ct := r.Header.Get("Content-Type")
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
	}
	if !strings.Contains(ct, "json") {
		opts.ExcludeResponseBody = true
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: sreq, PathParams: params, Route: route, Options: opts,
		},
		Status:  r.Status,
		Header:  r.Header,
		Body:    io.NopCloser(bytes.NewReader(r.Body)),
		Options: opts,
	})
}
