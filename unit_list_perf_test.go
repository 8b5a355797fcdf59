package ddbguard_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard"
)

// uNoopQuery answers every Query with page (an empty one when nil),
// sending nothing.
type uNoopQuery struct {
	ddbguard.API
	page *dynamodb.QueryOutput
}

var uEmptyPage = &dynamodb.QueryOutput{}

func (q uNoopQuery) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if q.page != nil {
		return q.page, nil
	}
	return uEmptyPage, nil
}

// uFullPage is a page of 20 of alice's items.
func uFullPage() *dynamodb.QueryOutput {
	page := &dynamodb.QueryOutput{}
	for i := range 20 {
		page.Items = append(page.Items, uListed(uCaller, "doc-"+string(rune('a'+i)), i))
	}
	return page
}

// uHandQuery is the first page of caller's list written by hand: the
// Query a service would send without ddbguard, and the decoding of its
// items.
func uHandQuery(api ddbguard.API, caller string, out *[]uListDoc) error {
	res, err := api.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(uTable),
		IndexName:                 aws.String(uIndex),
		KeyConditionExpression:    aws.String("#go = :gc"),
		ExpressionAttributeNames:  map[string]string{"#go": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":gc": &types.AttributeValueMemberS{Value: caller}},
		Limit:                     aws.Int32(20),
	})
	if err != nil {
		return err
	}
	return attributevalue.UnmarshalListOfMaps(res.Items, out)
}

func uGuardedQuery(g *ddbguard.Guard, caller string, out *[]uListDoc) error {
	_, err := g.List(caller).Limit(20).Page(context.Background(), out)
	return err
}

func TestList_page_allocatesNoMoreThanTheHandWrittenQuery(t *testing.T) {
	for name, api := range map[string]uNoopQuery{"empty": {}, "20 items": {page: uFullPage()}} {
		g, err := ddbguard.New(api, uListSchema())
		if err != nil {
			t.Fatal(err)
		}
		var out []uListDoc
		hand := testing.AllocsPerRun(200, func() { _ = uHandQuery(api, uCaller, &out) })
		guarded := testing.AllocsPerRun(200, func() { _ = uGuardedQuery(g, uCaller, &out) })
		t.Logf("%s page: allocations guarded %.0f, hand-written %.0f", name, guarded, hand)
		if guarded > hand {
			t.Errorf("%s page: guarded allocates %.0f times, the hand-written Query %.0f", name, guarded, hand)
		}
	}
}

func BenchmarkListPage(b *testing.B) {
	for name, api := range map[string]uNoopQuery{"empty": {}, "20 items": {page: uFullPage()}} {
		g, err := ddbguard.New(api, uListSchema())
		if err != nil {
			b.Fatal(err)
		}
		var out []uListDoc
		b.Run(name+"/guarded", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = uGuardedQuery(g, uCaller, &out)
			}
		})
		b.Run(name+"/hand-written", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = uHandQuery(api, uCaller, &out)
			}
		})
	}
}
