package ddbguard

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A cursor is the URL-safe base64 (no padding) of an envelope:
//
//	plain:  0x01 | body
//	sealed: 0x02 | nonce (12 bytes) | AES-256-GCM(body), additional data 0x02 | index name
//	body:   uvarint len | index name | count byte | count × (uvarint len | name | type byte | uvarint len | value)
//
// The attributes are in name order and each appears once, so a key has
// exactly one cursor (for a plain cursor, one text). The decoder accepts
// nothing else: no trailing bytes, no second spelling of the same key.
const (
	cursorPlain  byte = 1
	cursorSealed byte = 2

	// maxCursor bounds a cursor's text, so that a client cannot make the
	// guard decode (or a service store) an arbitrary amount of data.
	maxCursor = 4096
)

var cursorEncoding = base64.RawURLEncoding.Strict()

// WithCursorKey seals every List cursor with AES-256-GCM under key, which
// must be 32 bytes (else New fails with ErrInvalidInput). A sealed cursor
// hides the item keys it holds from the client, and any cursor not sealed
// under key, edited by a single bit or unsealed, is refused. Every
// instance of a service must share the key, and a cursor outlives a
// restart only if the key does: the Guard never makes up a key of its own.
// Each cursor takes a random nonce, so rotate the key long before 2^32
// cursors have been issued under it.
func WithCursorKey(key []byte) Option {
	return func(g *Guard) {
		if len(key) != 32 {
			g.optErr = fmt.Errorf("cursor key is %d bytes, want 32 (AES-256)", len(key))
			return
		}
		block, err := aes.NewCipher(key)
		if err == nil {
			g.cursorAEAD, err = cipher.NewGCM(block)
		}
		if err != nil {
			g.optErr = fmt.Errorf("cursor key: %w", err)
		}
	}
}

// cursorAttr is one attribute of the key map a cursor holds: a key
// attribute of the table or of the owner index.
type cursorAttr struct {
	name string
	typ  types.ScalarAttributeType // "" when the Schema does not declare it
	max  int                       // DynamoDB's limit on the value, in bytes
	// owner and tenant mark the attributes that must hold the List's caller
	// and the view's tenant.
	owner, tenant bool
}

// encodeCursor returns the cursor of the page that ended at key, which
// checkCursorKey has accepted.
func (g *Guard) encodeCursor(key map[string]types.AttributeValue) (string, error) {
	p := g.list
	body := make([]byte, 0, 64)
	body = appendBytes(body, p.index)
	body = append(body, byte(len(p.attrs)))
	for _, a := range p.attrs {
		body = appendBytes(body, a.name)
		switch v := key[a.name].(type) {
		case *types.AttributeValueMemberS:
			body = appendBytes(append(body, 'S'), v.Value)
		case *types.AttributeValueMemberN:
			body = appendBytes(append(body, 'N'), v.Value)
		case *types.AttributeValueMemberB:
			body = appendBytes(append(body, 'B'), string(v.Value))
		}
	}
	var env []byte
	if g.cursorAEAD == nil {
		env = append([]byte{cursorPlain}, body...)
	} else {
		ns := g.cursorAEAD.NonceSize()
		env = make([]byte, 1+ns, 1+ns+len(body)+g.cursorAEAD.Overhead())
		env[0] = cursorSealed
		if _, err := rand.Read(env[1:]); err != nil {
			return "", err
		}
		env = g.cursorAEAD.Seal(env, env[1:1+ns], body, p.sealAD)
	}
	if cursorEncoding.EncodedLen(len(env)) > maxCursor {
		return "", errors.New("the page's last key does not fit in a 4 KiB cursor")
	}
	return cursorEncoding.EncodeToString(env), nil
}

func appendBytes(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeCursor returns the key map that cursor holds, refusing anything
// that this Guard did not encode for its owner index. The key map's
// binding to a caller and tenant is checked by checkCursorKey.
func (g *Guard) decodeCursor(cursor string) (map[string]types.AttributeValue, error) {
	if len(cursor) > maxCursor {
		return nil, errors.New("cursor longer than 4 KiB")
	}
	env, err := cursorEncoding.DecodeString(cursor)
	if err != nil || len(env) == 0 {
		return nil, errors.New("cursor does not decode")
	}
	p := g.list
	body := env[1:]
	switch {
	case g.cursorAEAD == nil && env[0] == cursorPlain:
	case g.cursorAEAD != nil && env[0] == cursorSealed:
		ns := g.cursorAEAD.NonceSize()
		if len(body) < ns {
			return nil, errors.New("cursor does not decode")
		}
		body, err = g.cursorAEAD.Open(nil, body[:ns], body[ns:], p.sealAD)
		if err != nil {
			return nil, errors.New("cursor was not sealed by this service, or was edited")
		}
	case env[0] == cursorPlain || env[0] == cursorSealed:
		return nil, errors.New("cursor is sealed where plain ones are expected, or the other way round")
	default:
		return nil, errors.New("cursor has an unknown version")
	}
	return p.parseBody(body)
}

// parseBody reads a cursor's body: the index name and exactly the key
// attributes of p, in name order.
func (p *listPlan) parseBody(body []byte) (map[string]types.AttributeValue, error) {
	r := cursorReader{b: body}
	if index, ok := r.bytes(); !ok || string(index) != p.index {
		return nil, errors.New("cursor belongs to another index")
	}
	if n, ok := r.byte(); !ok || int(n) != len(p.attrs) {
		return nil, errors.New("cursor does not hold the index's key attributes")
	}
	key := make(map[string]types.AttributeValue, len(p.attrs))
	for _, a := range p.attrs {
		name, ok1 := r.bytes()
		typ, ok2 := r.byte()
		val, ok3 := r.bytes()
		if !ok1 || !ok2 || !ok3 {
			return nil, errors.New("cursor does not decode")
		}
		if string(name) != a.name {
			return nil, errors.New("cursor does not hold the index's key attributes")
		}
		switch typ {
		case 'S':
			key[a.name] = &types.AttributeValueMemberS{Value: string(val)}
		case 'N':
			key[a.name] = &types.AttributeValueMemberN{Value: string(val)}
		case 'B':
			key[a.name] = &types.AttributeValueMemberB{Value: bytes.Clone(val)}
		default:
			return nil, errors.New("cursor holds a key of an unknown type")
		}
	}
	if len(r.b) != 0 {
		return nil, errors.New("cursor does not decode")
	}
	return key, nil
}

// cursorReader reads a cursor's body, reporting any short read.
type cursorReader struct{ b []byte }

func (r *cursorReader) byte() (byte, bool) {
	if len(r.b) == 0 {
		return 0, false
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, true
}

func (r *cursorReader) bytes() ([]byte, bool) {
	n, w := binary.Uvarint(r.b)
	if w <= 0 || n > uint64(len(r.b)-w) {
		return nil, false
	}
	v := r.b[w : w+int(n)]
	r.b = r.b[w+int(n):]
	return v, true
}

// checkCursorKey reports whether key is a position in caller's own list
// in this view: exactly the table's and the index's key attributes, each
// of its declared type and within DynamoDB's limits, its owner caller and
// its tenant the view's. It checks a client's cursor before any request
// and DynamoDB's LastEvaluatedKey before a cursor is made of it.
func (g *Guard) checkCursorKey(caller string, key map[string]types.AttributeValue) error {
	p := g.list
	if len(key) != len(p.attrs) {
		return errors.New("cursor does not hold the index's key attributes")
	}
	for _, a := range p.attrs {
		av, ok := key[a.name]
		if !ok {
			return errors.New("cursor does not hold the index's key attributes")
		}
		s, err := cursorValue(av, a)
		if err != nil {
			return err
		}
		if (a.owner && s != caller) || (a.tenant && s != g.tenant) {
			return errors.New("cursor belongs to another list")
		}
	}
	return nil
}

// cursorValue checks one key attribute of a cursor and returns its string
// value ("" for a number or binary).
func cursorValue(av types.AttributeValue, a cursorAttr) (string, error) {
	var got types.ScalarAttributeType
	var s string
	size := 0
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		got, s, size = types.ScalarAttributeTypeS, v.Value, len(v.Value)
		if !utf8.ValidString(s) {
			return "", errors.New("cursor holds a key that is not valid UTF-8")
		}
	case *types.AttributeValueMemberN:
		got = types.ScalarAttributeTypeN
		if err := checkNumber(v.Value); err != nil {
			return "", errors.New("cursor holds a key that is not a number")
		}
		size = 1
	case *types.AttributeValueMemberB:
		got, size = types.ScalarAttributeTypeB, len(v.Value)
	default:
		return "", errors.New("cursor holds a key of an unknown type")
	}
	switch {
	case a.typ != "" && got != a.typ:
		return "", errors.New("cursor holds a key of the wrong type")
	case size == 0:
		return "", errors.New("cursor holds an empty key")
	case size > a.max:
		return "", errors.New("cursor holds a key longer than DynamoDB allows")
	}
	return s, nil
}
