package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes is the largest request body accepted; a larger one is
// answered with 413 Content Too Large.
const MaxBodyBytes = 16 << 10

// Limits of the writable fields.
const (
	maxName  = 100
	maxNotes = 2000
	maxTags  = 10
)

var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// serverOwned are the attributes only the server writes; a body naming one
// is refused with a message that says so.
var serverOwned = map[string]bool{
	attrTenant: true, attrID: true, attrOwner: true, attrVersion: true, attrStatus: true,
	attrCreatedAt: true, attrUpdatedAt: true,
	"editors": true,
}

// field is a member of a request body that may be absent, null or set;
// PATCH needs the three apart (null clears notes or tags).
type field[T any] struct {
	Set   bool // the member is in the body
	Null  bool // its value is null
	Value T
}

// UnmarshalJSON records that the member is present, and whether it is null.
func (f *field[T]) UnmarshalJSON(b []byte) error {
	f.Set = true
	if string(b) == "null" {
		f.Null = true
		return nil
	}
	return json.Unmarshal(b, &f.Value)
}

// createBody is the body of POST /items. id is optional: without it the
// server generates one.
type createBody struct {
	ID    *string  `json:"id"`
	Name  string   `json:"name"`
	Notes string   `json:"notes"`
	Tags  []string `json:"tags"`
}

// contentBody is the body of PUT (every member; absent means empty) and
// of PATCH (the members to change).
type contentBody struct {
	Name  field[string]   `json:"name"`
	Notes field[string]   `json:"notes"`
	Tags  field[[]string] `json:"tags"`
}

// transferBody is the body of POST /items/{id}/transfer.
type transferBody struct {
	To string `json:"to"`
}

// badRequest is a client error with the detail to answer.
type badRequest struct {
	status int
	detail string
}

func (e *badRequest) Error() string { return e.detail }

func invalid(format string, args ...any) error {
	return &badRequest{status: http.StatusBadRequest, detail: fmt.Sprintf(format, args...)}
}

// decode reads the JSON body of r into v: one object of at most
// MaxBodyBytes, no unknown member, nothing after it.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "application/merge-patch+json") {
		return &badRequest{status: http.StatusUnsupportedMediaType, detail: "the body must be application/json"}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&json.RawMessage{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return invalid("the body must hold a single JSON object")
	}
	return nil
}

// decodeError turns a decoding error into the answer to give.
func decodeError(err error) error {
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &tooLarge):
		return &badRequest{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("the body is larger than %d bytes", MaxBodyBytes)}
	case errors.Is(err, io.EOF):
		return invalid("the body is empty")
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return invalid("the body must be a JSON object")
		}
		return invalid("%q must be a %s", typeErr.Field, jsonType(typeErr.Type.String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("the body is not valid JSON")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		if serverOwned[strings.ToLower(name)] {
			return invalid("%q is set by the server and cannot be written", name)
		}
		return invalid("unknown field %q", name)
	}
	return invalid("the body could not be read")
}

// jsonType names a Go type the way a JSON client knows it.
func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "string"
	case strings.HasPrefix(goType, "[]"):
		return "array of " + jsonType(goType[2:])
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "number"
	}
	return "JSON " + goType
}

// checkName, checkNotes and checkTags validate the writable fields.
func checkName(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > maxName || strings.TrimSpace(name) == "" {
		return invalid(`"name" must be 1 to %d characters, not only spaces`, maxName)
	}
	return nil
}

func checkNotes(notes string) error {
	if utf8.RuneCountInString(notes) > maxNotes {
		return invalid(`"notes" must be at most %d characters`, maxNotes)
	}
	return nil
}

func checkTags(tags []string) error {
	if len(tags) > maxTags {
		return invalid(`"tags" must hold at most %d tags`, maxTags)
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if !tagPattern.MatchString(t) || seen[t] {
			return invalid(`"tags" must be distinct, 1 to 32 characters of a-z, 0-9 and -`)
		}
		seen[t] = true
	}
	return nil
}

// check validates a create body.
func (b *createBody) check() error {
	if b.ID != nil {
		if err := validID(*b.ID); err != nil {
			return invalid(`"id": %v`, err)
		}
	}
	return firstErr(checkName(b.Name), checkNotes(b.Notes), checkTags(b.Tags))
}

// checkPut validates a PUT body: name is required.
func (b *contentBody) checkPut() error {
	if !b.Name.Set || b.Name.Null {
		return invalid(`"name" is required`)
	}
	return b.checkMembers()
}

// checkPatch validates a PATCH body: at least one member, name not null.
func (b *contentBody) checkPatch() error {
	if !b.Name.Set && !b.Notes.Set && !b.Tags.Set {
		return invalid("the body changes nothing: give name, notes or tags")
	}
	if b.Name.Set && b.Name.Null {
		return invalid(`"name" cannot be null`)
	}
	return b.checkMembers()
}

func (b *contentBody) checkMembers() error {
	var errs []error
	if b.Name.Set {
		errs = append(errs, checkName(b.Name.Value))
	}
	return firstErr(append(errs, checkNotes(b.Notes.Value), checkTags(b.Tags.Value))...)
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// check validates a transfer body.
func (b *transferBody) check() error {
	if !userPattern.MatchString(b.To) {
		return invalid(`"to" must be a user id`)
	}
	return nil
}
