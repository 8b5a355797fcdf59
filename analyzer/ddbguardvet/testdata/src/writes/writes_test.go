package writes

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Seeding fixtures in tests is not reported unless -tests is set.
func seed(t *testing.T, c *dynamodb.Client) {
	c.PutItem(context.Background(), &dynamodb.PutItemInput{Item: key})
}
