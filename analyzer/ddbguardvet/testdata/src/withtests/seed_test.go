package withtests

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func TestSeed(t *testing.T) {
	var c *dynamodb.Client
	c.PutItem(context.Background(), &dynamodb.PutItemInput{}) // want `PutItem without`
}
