package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

// Verifier checks a bearer token and returns the user it was issued to.
type Verifier interface {
	Verify(token string) (user string, err error)
}

// ErrBadToken is returned by HMACTokens.Verify for any token it does not
// accept; the reason is not told to the client.
var ErrBadToken = errors.New("api: invalid or expired token")

// HMACTokens issues and verifies tokens of the form
// base64url(user) "." expiry (Unix seconds) "." base64url(HMAC-SHA256).
type HMACTokens struct {
	key []byte
	now func() time.Time
}

// minKeyLen is the shortest HMAC key accepted: 256 bits.
const minKeyLen = 32

// userPattern is the format of user ids inside tokens and transfers.
var userPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$`)

// NewHMACTokens returns a token issuer and verifier keyed with key, which
// must hold at least 32 random bytes and stay secret.
func NewHMACTokens(key []byte) (*HMACTokens, error) {
	if len(key) < minKeyLen {
		return nil, errors.New("api: token key must be at least 32 bytes")
	}
	return &HMACTokens{key: append([]byte(nil), key...), now: time.Now}, nil
}

// Issue returns a token for user that expires after ttl.
func (t *HMACTokens) Issue(user string, ttl time.Duration) (string, error) {
	if !userPattern.MatchString(user) {
		return "", errors.New("api: user id must be 1 to 64 characters of A-Z, a-z, 0-9, _ . @ -")
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(user)) + "." +
		strconv.FormatInt(t.now().Add(ttl).Unix(), 10)
	return payload + "." + base64.RawURLEncoding.EncodeToString(t.mac(payload)), nil
}

// Verify returns the user of a token that this key signed and that has not
// expired.
func (t *HMACTokens) Verify(token string) (string, error) {
	payload, sig, ok := cutLast(token, ".")
	if !ok {
		return "", ErrBadToken
	}
	// Strict: the unused bits of the last character must be zero, so that
	// exactly one string carries a given signature.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, t.mac(payload)) {
		return "", ErrBadToken
	}
	userB64, exp, ok := strings.Cut(payload, ".")
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || t.now().Unix() >= expiry {
		return "", ErrBadToken
	}
	user, err := base64.RawURLEncoding.Strict().DecodeString(userB64)
	if err != nil || !userPattern.Match(user) {
		return "", ErrBadToken
	}
	return string(user), nil
}

func (t *HMACTokens) mac(payload string) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("items-token-v1\x00" + payload))
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

type callerKey struct{}

// Authenticate lets a request through only with a valid bearer token, and
// binds the token's user to the request's context as the caller. Nothing
// else (body, path, query, other headers) can name the caller.
func Authenticate(v Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			unauthorized(w, "missing bearer token")
			return
		}
		user, err := v.Verify(strings.TrimSpace(token))
		if err != nil {
			unauthorized(w, "invalid or expired token")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, user)))
	})
}

// caller returns the authenticated user, or "" when the request did not
// pass Authenticate; ddbguard refuses "" with ErrUnauthenticated (401).
func caller(r *http.Request) string {
	user, _ := r.Context().Value(callerKey{}).(string)
	return user
}

func unauthorized(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="items"`)
	writeProblem(w, http.StatusUnauthorized, detail)
}
