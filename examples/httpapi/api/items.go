package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/ddbguard/ddbguard"
)

// create handles POST /items: 201 with Location and ETag, 409 when the
// client's id is taken. The owner is the caller, always.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var b createBody
	if !readBody(w, r, &b, b.check) {
		return
	}
	id := ""
	if b.ID != nil {
		id = *b.ID
	} else {
		var err error
		if id, err = newID(); err != nil {
			s.fail(w, r, err, false)
			return
		}
	}
	c, g := s.scope(r)
	now := timestamp(s.now())
	it := Item{Tenant: c.Tenant, ID: id, Owner: c.User, Version: 1, Name: b.Name, Notes: b.Notes, Tags: b.Tags, CreatedAt: now, UpdatedAt: now}
	ctx, cancel := s.context(r)
	defer cancel()
	if err := g.Create(c.User, it).Run(ctx); err != nil {
		s.fail(w, r, err, false)
		return
	}
	w.Header().Set("Location", "/items/"+id)
	writeItem(w, http.StatusCreated, &it)
}

// get handles GET /items/{id}: 200 with ETag, or 404.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	c, g := s.scope(r)
	ctx, cancel := s.context(r)
	defer cancel()
	var it Item
	if err := g.Get(ctx, c.User, itemKey(c.Tenant, id), &it); err != nil {
		s.fail(w, r, err, false)
		return
	}
	writeItem(w, http.StatusOK, &it)
}

// replace handles PUT /items/{id}: name, notes and tags become the body's.
// The write is conditional on a version: If-Match's (412 when it is not
// current) or, without If-Match, the one read when the request started
// (409 when another write lands in between). The read also supplies
// created_at, which a replace must carry unchanged, and the status, which
// only an admin changes.
func (s *Server) replace(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	want, conditional, ok := precondition(w, r)
	var b contentBody
	if !ok || !readBody(w, r, &b, b.checkPut) {
		return
	}
	c, g := s.scope(r)
	ctx, cancel := s.context(r)
	defer cancel()
	var cur Item
	if err := g.Get(ctx, c.User, itemKey(c.Tenant, id), &cur); err != nil {
		s.fail(w, r, err, false)
		return
	}
	if !conditional {
		want = cur.Version
	} else if want != cur.Version {
		w.Header().Set("ETag", etag(cur.Version))
		writeProblem(w, http.StatusPreconditionFailed, detailPrecond)
		return
	}
	next := Item{Tenant: c.Tenant, ID: id, Owner: c.User, Status: cur.Status,
		Name: b.Name.Value, Notes: b.Notes.Value, Tags: b.Tags.Value,
		CreatedAt: cur.CreatedAt, UpdatedAt: timestamp(s.now())}
	if err := g.Replace(c.User, next).IfVersion(want).Run(ctx); err != nil {
		s.fail(w, r, err, conditional)
		return
	}
	next.Version = want + 1
	writeItem(w, http.StatusOK, &next)
}

// patch handles PATCH /items/{id}: the members given change, in one
// guarded update; null or empty notes or tags are removed. With If-Match
// the update is conditional on that version (412); without, it applies to
// whatever version is current, as a merge patch does.
func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	version, conditional, ok := precondition(w, r)
	var b contentBody
	if !ok || !readBody(w, r, &b, b.checkPatch) {
		return
	}
	c, g := s.scope(r)
	u := g.Update(c.User, itemKey(c.Tenant, id)).Set(attrUpdatedAt, timestamp(s.now()))
	if b.Name.Set {
		u.Set(attrName, b.Name.Value)
	}
	if b.Notes.Set {
		setOrRemove(u, attrNotes, b.Notes.Value, b.Notes.Value == "")
	}
	if b.Tags.Set {
		setOrRemove(u, attrTags, b.Tags.Value, len(b.Tags.Value) == 0)
	}
	s.updateAndAnswer(w, r, u, version, conditional)
}

// updateAndAnswer runs u, with IfVersion(version) when the request was
// conditional, and answers with the item as the update left it.
func (s *Server) updateAndAnswer(w http.ResponseWriter, r *http.Request, u *ddbguard.GuardedUpdate, version int64, conditional bool) {
	if conditional {
		u.IfVersion(version)
	}
	ctx, cancel := s.context(r)
	defer cancel()
	var it Item
	if err := u.Value(ctx, &it); err != nil {
		s.fail(w, r, err, conditional)
		return
	}
	writeItem(w, http.StatusOK, &it)
}

func setOrRemove(u *ddbguard.GuardedUpdate, name string, v any, empty bool) {
	if empty {
		u.Remove(name)
		return
	}
	u.Set(name, v)
}

// delete handles DELETE /items/{id}: 204, or 412 with a stale If-Match.
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	version, conditional, ok := precondition(w, r)
	if !ok {
		return
	}
	c, g := s.scope(r)
	d := g.Delete(c.User, itemKey(c.Tenant, id))
	if conditional {
		d.IfVersion(version)
	}
	ctx, cancel := s.context(r)
	defer cancel()
	if err := d.Run(ctx); err != nil {
		s.fail(w, r, err, conditional)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// transfer handles POST /items/{id}/transfer with {"to": "<user>"}: 204.
// Only the owner may transfer, and the caller is the owner only if the
// guard says so at the moment of the write.
func (s *Server) transfer(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	version, conditional, ok := precondition(w, r)
	var b transferBody
	if !ok || !readBody(w, r, &b, b.check) {
		return
	}
	c, g := s.scope(r)
	u := g.Transfer(c.User, itemKey(c.Tenant, id), b.To).Set(attrUpdatedAt, timestamp(s.now()))
	if conditional {
		u.IfVersion(version)
	}
	ctx, cancel := s.context(r)
	defer cancel()
	if err := u.Run(ctx); err != nil {
		s.fail(w, r, err, conditional)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// scope returns the request's verified claims and the Guard view confined
// to their tenant: the only Guard a handler uses. (On the bare Guard, whose
// Schema has Tenant, every operation fails closed.)
func (s *Server) scope(r *http.Request) (Claims, *ddbguard.Guard) {
	c := claimsOf(r)
	return c, s.g.ForTenant(c.Tenant)
}

// context bounds the request's DynamoDB work; past it, 504.
func (s *Server) context(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.timeout)
}

// pathID returns the {id} of the path, answering 400 if it is malformed.
func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if err := validID(id); err != nil {
		writeProblem(w, http.StatusBadRequest, err.Error())
		return "", false
	}
	return id, true
}

// readBody decodes and checks the body, answering 400, 413 or 415 if it
// is not acceptable.
func readBody(w http.ResponseWriter, r *http.Request, v any, check func() error) bool {
	err := decode(w, r, v)
	if err == nil {
		err = check()
	}
	var bad *badRequest
	switch {
	case err == nil:
		return true
	case errors.As(err, &bad):
		writeProblem(w, bad.status, bad.detail)
	default:
		writeProblem(w, http.StatusBadRequest, detailBadRequest)
	}
	return false
}

// writeItem answers with an item and its version as ETag.
func writeItem(w http.ResponseWriter, status int, it *Item) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", etag(it.Version))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(it)
}
