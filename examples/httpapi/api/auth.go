package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------
// REPLACE THIS PART in production: HMACTokens is a minimal stand-in for your
// identity provider. Verify the tokens it issues instead (for example an
// OIDC/JWT library checking signature, issuer, audience and expiry), and
// keep the rest: the caller comes from the verified token, and only from it.
// ---------------------------------------------------------------------------

// Claims are what a verified token says about its bearer. The service
// takes the caller, the tenant and the admin right from them, and from
// nowhere else.
type Claims struct {
	// User is the caller: the owner of the items it creates.
	User string `json:"sub"`
	// Tenant scopes every request of the token to one tenant's items.
	// A token without one is refused (401).
	Tenant string `json:"tenant,omitempty"`
	// Admin allows the admin routes, within Tenant.
	Admin bool `json:"admin,omitempty"`
}

// Verifier checks a bearer token and returns the claims it was issued with.
type Verifier interface {
	Verify(token string) (Claims, error)
}

// ErrBadToken is returned by HMACTokens.Verify for any token it does not
// accept; the reason is not told to the client.
var ErrBadToken = errors.New("api: invalid or expired token")

// HMACTokens issues and verifies tokens of the form
// base64url(JSON claims) "." expiry (Unix seconds) "." base64url(HMAC-SHA256).
type HMACTokens struct {
	key []byte
	now func() time.Time
}

// minKeyLen is the shortest HMAC key accepted: 256 bits.
const minKeyLen = 32

// userPattern is the format of user ids inside tokens and transfers, and
// tenantPattern the format of tenant ids.
var (
	userPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$`)
	tenantPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
)

// NewHMACTokens returns a token issuer and verifier keyed with key, which
// must hold at least 32 random bytes and stay secret.
func NewHMACTokens(key []byte) (*HMACTokens, error) {
	if len(key) < minKeyLen {
		return nil, errors.New("api: token key must be at least 32 bytes")
	}
	return &HMACTokens{key: append([]byte(nil), key...), now: time.Now}, nil
}

// Issue returns a token carrying c that expires after ttl. c.Tenant may be
// empty (the server refuses such a token), so that tests can make one.
func (t *HMACTokens) Issue(c Claims, ttl time.Duration) (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	claims, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(claims) + "." +
		strconv.FormatInt(t.now().Add(ttl).Unix(), 10)
	return payload + "." + base64.RawURLEncoding.EncodeToString(t.mac(payload)), nil
}

// Verify returns the claims of a token that this key signed and that has
// not expired.
func (t *HMACTokens) Verify(token string) (Claims, error) {
	payload, sig, ok := cutLast(token, ".")
	if !ok {
		return Claims{}, ErrBadToken
	}
	// Strict: the unused bits of the last character must be zero, so that
	// exactly one string carries a given signature.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(payload)) {
		return Claims{}, ErrBadToken
	}
	claimsB64, exp, ok := strings.Cut(payload, ".")
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || t.now().Unix() >= expiry {
		return Claims{}, ErrBadToken
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(claimsB64)
	if err != nil {
		return Claims{}, ErrBadToken
	}
	var c Claims
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&c) != nil || c.check() != nil {
		return Claims{}, ErrBadToken
	}
	return c, nil
}

// check validates the formats of the claims.
func (c Claims) check() error {
	if !userPattern.MatchString(c.User) {
		return errors.New("api: user id must be 1 to 64 characters of A-Z, a-z, 0-9, _ . @ -")
	}
	if c.Tenant != "" && !tenantPattern.MatchString(c.Tenant) {
		return errors.New("api: tenant id must be 1 to 64 characters of a-z, 0-9, _ and -, starting with a letter or digit")
	}
	return nil
}

func (t *HMACTokens) mac(payload string) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("items-token-v2\x00" + payload))
	return m.Sum(nil)
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// ---------------------------------------------------------------------------
// End of the part to replace.
// ---------------------------------------------------------------------------

type claimsKey struct{}

// Authenticate lets a request through only with a valid bearer token that
// names a tenant, and binds the token's claims to the request's context.
// Nothing else (body, path, query, other headers) can name the caller, the
// tenant or the admin right.
func Authenticate(v Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			unauthorized(w, "missing bearer token")
			return
		}
		c, err := v.Verify(strings.TrimSpace(token))
		if err != nil {
			unauthorized(w, "invalid or expired token")
			return
		}
		if c.Tenant == "" {
			// Every route is scoped to a tenant: a token without one
			// identifies nobody the service can serve.
			unauthorized(w, "the token names no tenant")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, c)))
	})
}

// claimsOf returns the verified claims of the request, or zero claims when
// it did not pass Authenticate; ddbguard refuses the empty caller and
// tenant with ErrUnauthenticated (401).
func claimsOf(r *http.Request) Claims {
	c, _ := r.Context().Value(claimsKey{}).(Claims)
	return c
}

func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="items"`)
	writeProblem(w, http.StatusUnauthorized, detail)
}
