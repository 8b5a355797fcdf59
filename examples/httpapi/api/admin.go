package api

import (
	"net/http"
	"strings"
	"unicode"
)

// maxReasonBytes bounds an admin's stated reason; ddbguard's own bound.
const maxReasonBytes = 512

// closeBody is the body of POST /admin/items/{id}/close.
type closeBody struct {
	Reason string `json:"reason"`
}

// check validates the reason as ddbguard.Guard.Admin needs it (1 to 512
// bytes, no control characters), answering a detail the client can act
// on. JSON decoding has already made it valid UTF-8.
func (b *closeBody) check() error {
	switch {
	case strings.TrimSpace(b.Reason) == "":
		return invalid(`"reason" is required: say why this item is closed`)
	case len(b.Reason) > maxReasonBytes:
		return invalid(`"reason" must be at most %d bytes`, maxReasonBytes)
	case strings.IndexFunc(b.Reason, unicode.IsControl) >= 0:
		return invalid(`"reason" must not hold control characters (such as line breaks or tabs)`)
	}
	return nil
}

// detailAdminOnly answers an authenticated caller without the admin claim.
const detailAdminOnly = "this route needs an admin token"

// closeItem handles POST /admin/items/{id}/close with {"reason": "..."}:
// an admin of the token's tenant closes any item of that tenant, whoever
// owns it: 200 with the item. Only a token with the admin claim may (403
// otherwise: the caller is known and the route is no secret). The write
// goes through ddbguard's Admin view, inside the tenant: it skips only the
// owner comparison and keeps the rest (the item must exist, If-Match
// becomes IfVersion), and it reaches the audit trail whatever its outcome,
// with the admin as caller and the reason as why.
func (s *Server) closeItem(w http.ResponseWriter, r *http.Request) {
	c, g := s.scope(r)
	if !c.Admin {
		s.auditRefusedAdmin(r, c)
		writeProblem(w, http.StatusForbidden, detailAdminOnly)
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	version, conditional, ok := precondition(w, r)
	var b closeBody
	if !ok || !readBody(w, r, &b, b.check) {
		return
	}
	u := g.Admin(b.Reason).Update(c.User, itemKey(c.Tenant, id)).
		Set(attrStatus, statusClosed).
		Set(attrUpdatedAt, timestamp(s.now()))
	s.updateAndAnswer(w, r, u, version, conditional)
}
