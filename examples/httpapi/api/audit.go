package api

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/ddbguard/ddbguard"
)

// audit is the guard's WithAudit hook. ddbguard calls it for every
// operation of an Admin view, success included (failed false), and for
// every refused or conflicted operation of anyone. It writes one JSON line
// per event:
//
//	{"time":"...","level":"INFO","msg":"admin operation","op":"update","table":"items",
//	 "key":{"tenant":"acme","id":"item-1"},"caller":"root","tenant":"acme","admin":true,
//	 "why":"ticket 4711: spam","failed":false,"reason":null}
//
// caller is the acting user (for an admin, the admin, never the item's
// owner); why is the admin's stated reason; reason is the ddbguard
// sentinel of a failure (null on success). The event holds no item data,
// and ddbguard never puts the item's owner in it.
func (s *Server) audit(ctx context.Context, e ddbguard.AuditEvent) {
	msg := "guard refused"
	if e.Admin {
		msg = "admin operation"
	}
	var reason any // null on success
	if e.Reason != nil {
		reason = e.Reason.Error()
	}
	s.audits.LogAttrs(ctx, slog.LevelInfo, msg,
		slog.String("op", e.Op),
		slog.String("table", e.Table),
		slog.Group("key", slog.Any("tenant", e.Key.PK), slog.Any("id", e.Key.SK)),
		slog.String("caller", e.Caller),
		slog.String("tenant", e.Tenant),
		slog.Bool("admin", e.Admin),
		slog.String("why", e.Why),
		slog.Bool("failed", e.Failed),
		slog.Any("reason", reason))
}

// auditRefusedAdmin records an authenticated non-admin's request to an
// admin route; ddbguard is not called for it, so it writes the line.
func (s *Server) auditRefusedAdmin(r *http.Request, c Claims) {
	s.audits.LogAttrs(r.Context(), slog.LevelWarn, "admin route refused",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("caller", c.User),
		slog.String("tenant", c.Tenant),
		slog.Bool("admin", false),
		slog.Bool("failed", true),
		slog.String("reason", "not an admin"))
}
