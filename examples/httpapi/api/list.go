package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ddbguard/ddbguard"
)

// The bounds of GET /items?limit=.
const (
	defaultListLimit = 20
	maxListLimit     = 100
)

// listPage is the answer of GET /items. Next is the cursor of the following
// page; it is left out at the end of the list. A page may hold fewer items
// than the limit, even none, while next is set: only a missing next ends.
type listPage struct {
	Items []Item `json:"items"`
	Next  string `json:"next,omitempty"`
}

// detailCursor answers a cursor that ddbguard refused: not one this
// service issued (forged, edited, sealed under another key) or issued to
// another user or tenant. Which of these is not told.
const detailCursor = `"cursor" is not valid for this list: start again without it`

// list handles GET /items?limit=&cursor=: one page of the caller's own
// items in the token's tenant, one Query on the owner index. Nothing in
// the request can name another owner: the owner and the tenant come from
// the token, and ddbguard refuses a cursor bound to anyone else's list
// before sending anything.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := listParams(r.URL.Query())
	if err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error())
		return
	}
	c, g := s.scope(r)
	l := g.List(c.User).Limit(limit).After(cursor)
	ctx, cancel := s.context(r)
	defer cancel()
	page := listPage{Items: []Item{}}
	next, err := l.Page(ctx, &page.Items)
	if err != nil {
		if cursor != "" && errors.Is(err, ddbguard.ErrInvalidInput) {
			writeProblem(w, http.StatusBadRequest, detailCursor)
			return
		}
		s.fail(w, r, err, false)
		return
	}
	page.Next = next
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(page)
}

// listParams reads limit (default 20, 1 to 100) and cursor (opaque, as a
// previous page's next gave it) from the query. Other parameters are
// ignored: none of them can change whose items are listed.
func listParams(q url.Values) (limit int32, cursor string, err error) {
	limit = defaultListLimit
	if vs, ok := q["limit"]; ok {
		n, err := strconv.Atoi(vs[0])
		if len(vs) > 1 || err != nil || n < 1 || n > maxListLimit {
			return 0, "", invalid(`"limit" must be one integer from 1 to %d`, maxListLimit)
		}
		limit = int32(n)
	}
	if vs, ok := q["cursor"]; ok {
		if len(vs) > 1 || vs[0] == "" {
			return 0, "", invalid(`"cursor" must be one non-empty value, the "next" of the previous page`)
		}
		cursor = vs[0]
	}
	return limit, cursor, nil
}
