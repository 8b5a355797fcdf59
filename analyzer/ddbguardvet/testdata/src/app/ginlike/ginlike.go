// Package ginlike is a small stand-in for a gin-style router: handlers
// receive a *Context with path parameters and the authenticated user.
package ginlike

import "net/http"

// Context is one request.
type Context struct {
	Request *http.Request
	Writer  http.ResponseWriter
	params  map[string]string
	keys    map[string]any
}

// Param returns a path parameter.
func (c *Context) Param(name string) string { return c.params[name] }

// GetString returns a value set by a middleware (the user id).
func (c *Context) GetString(key string) string { s, _ := c.keys[key].(string); return s }

// BindJSON decodes the body into v.
func (c *Context) BindJSON(v any) error { return nil }

// JSON writes v with the status code.
func (c *Context) JSON(code int, v any) { c.Writer.WriteHeader(code) }

// HandlerFunc handles one request.
type HandlerFunc func(*Context)

// Engine routes requests.
type Engine struct{ routes map[string]HandlerFunc }

// PUT routes a PUT.
func (e *Engine) PUT(path string, h HandlerFunc) { e.routes["PUT "+path] = h }

// DELETE routes a DELETE.
func (e *Engine) DELETE(path string, h HandlerFunc) { e.routes["DELETE "+path] = h }

// POST routes a POST.
func (e *Engine) POST(path string, h HandlerFunc) { e.routes["POST "+path] = h }
