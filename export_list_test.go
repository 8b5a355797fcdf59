package ddbguard

import (
	"encoding/base64"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PlainCursorForTest encodes key as a plain cursor of version version for
// index, with the attributes in the order given and no checks, so that
// tests can forge every cursor a client could send.
func PlainCursorForTest(version byte, index string, names []string, key map[string]types.AttributeValue) string {
	body := appendBytes([]byte{version}, index)
	body = append(body, byte(len(names)))
	for _, n := range names {
		body = appendBytes(body, n)
		switch v := key[n].(type) {
		case *types.AttributeValueMemberS:
			body = appendBytes(append(body, 'S'), v.Value)
		case *types.AttributeValueMemberN:
			body = appendBytes(append(body, 'N'), v.Value)
		case *types.AttributeValueMemberB:
			body = appendBytes(append(body, 'B'), string(v.Value))
		default:
			body = appendBytes(append(body, 'L'), "")
		}
	}
	return base64.RawURLEncoding.EncodeToString(body)
}
