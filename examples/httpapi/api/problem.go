package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/ddbguard/ddbguard"
)

// Problem is an RFC 9457 problem details body (application/problem+json).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// writeProblem answers with status and a problem body. detail must never
// hold another user's data or say whether someone else's item exists.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	})
}

// The details of answers to failed guarded operations. One text for "not
// found" whether the item is missing or someone else's (OWASP API1).
const (
	detailNotFound   = "no item with this id"
	detailConflict   = "the item changed while the request ran; read it again and retry"
	detailExists     = "an item with this id exists"
	detailPrecond    = "the item's version is not the one in If-Match"
	detailInternal   = "the request could not be completed"
	detailBadRequest = "the request is not valid"
)

// fail answers for a failed guarded operation. The status comes from
// ddbguard.HTTPStatus; a conflict on a request that carried If-Match is the
// client's precondition failing, 412. On a conflict the caller owns the
// item, so ddbguard returns it and the answer carries its current ETag.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error, ifMatch bool) {
	status := ddbguard.HTTPStatus(err)
	detail := detailInternal
	switch status {
	case http.StatusBadRequest:
		detail = detailBadRequest
	case http.StatusUnauthorized:
		unauthorized(w, "missing bearer token")
		return
	case http.StatusNotFound:
		detail = detailNotFound
	case http.StatusConflict:
		detail = detailConflict
		switch {
		case errors.Is(err, ddbguard.ErrAlreadyExists):
			detail = detailExists
		case ifMatch:
			status, detail = http.StatusPreconditionFailed, detailPrecond
		}
		setCurrentETag(w, err)
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeProblem(w, status, detail)
}

// setCurrentETag sets the ETag of the item a conflict returned, if any.
func setCurrentETag(w http.ResponseWriter, err error) {
	var de *ddbguard.Error
	if !errors.As(err, &de) || de.Item == nil {
		return
	}
	var cur Item
	if attributevalue.UnmarshalMap(de.Item, &cur) == nil && cur.Version > 0 {
		w.Header().Set("ETag", etag(cur.Version))
	}
}

// etag is the strong entity tag of a version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// detailIfMatch answers a malformed If-Match. An entity tag is quoted: a
// client that sends the version bare (If-Match: 2) is told so, rather than
// answered 412 as if version 2 were not current.
const detailIfMatch = `If-Match must hold entity tags in double quotes, as the ETag header sends them: If-Match: "2"`

// entityTag is the syntax of one entity tag (RFC 9110, section 8.8.3).
var entityTag = regexp.MustCompile(`^(W/)?"[\x21\x23-\x7e\x80-\xff]*"$`)

// ifMatch reads the If-Match header: conditional is false without one (or
// with "*", which any existing item matches and the guard already requires).
// A header that is not a list of entity tags is an error: the caller answers
// 400 with detailIfMatch. A well-formed value that is not one of this API's
// ETags (a weak tag, a list, "abc") can match no version: the request must
// then fail with 412, which a version of 0 does.
func ifMatch(r *http.Request) (version int64, conditional bool, err error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, false, nil
	}
	for _, tag := range strings.Split(h, ",") {
		if !entityTag.MatchString(strings.TrimSpace(tag)) {
			return 0, true, errBadIfMatch
		}
	}
	if strings.HasPrefix(h, "W/") || strings.Contains(h, ",") {
		return 0, true, nil
	}
	n, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || n < 1 {
		return 0, true, nil
	}
	return n, true, nil
}

var errBadIfMatch = errors.New(detailIfMatch)

// precondition reads If-Match for a handler, answering 400 if it is
// malformed (ok false).
func precondition(w http.ResponseWriter, r *http.Request) (version int64, conditional, ok bool) {
	version, conditional, err := ifMatch(r)
	if err != nil {
		writeProblem(w, http.StatusBadRequest, detailIfMatch)
		return 0, false, false
	}
	return version, conditional, true
}
