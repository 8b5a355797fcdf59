package ddbguardtest_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbguard/ddbguard/ddbguardtest"
)

// stubAPI records the inputs that reach it and answers with empty outputs.
type stubAPI struct {
	mu     sync.Mutex
	inputs []any
}

func (s *stubAPI) record(in any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inputs = append(s.inputs, in)
}

func (s *stubAPI) received() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]any(nil), s.inputs...)
}

func (s *stubAPI) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	s.record(in)
	return &dynamodb.GetItemOutput{}, nil
}

func (s *stubAPI) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	s.record(in)
	return &dynamodb.PutItemOutput{}, nil
}

func (s *stubAPI) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	s.record(in)
	return &dynamodb.UpdateItemOutput{}, nil
}

func (s *stubAPI) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	s.record(in)
	return &dynamodb.DeleteItemOutput{}, nil
}

func (s *stubAPI) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	s.record(in)
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (s *stubAPI) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	s.record(in)
	return &dynamodb.QueryOutput{}, nil
}

func TestFaults_withoutInject_forwardsEveryCall(t *testing.T) {
	api := &stubAPI{}
	f := &ddbguardtest.Faults{API: api}
	ctx := context.Background()
	_, err1 := f.GetItem(ctx, &dynamodb.GetItemInput{})
	_, err2 := f.PutItem(ctx, &dynamodb.PutItemInput{})
	_, err3 := f.UpdateItem(ctx, &dynamodb.UpdateItemInput{})
	_, err4 := f.DeleteItem(ctx, &dynamodb.DeleteItemInput{})
	_, err5 := f.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{})
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		t.Fatal(err)
	}
	if n := len(api.received()); n != 5 || f.Calls() != 5 || f.Attempts() != 5 || len(f.Injected()) != 0 {
		t.Errorf("forwarded %d, Calls %d, Attempts %d, Injected %d; want 5, 5, 5, 0", n, f.Calls(), f.Attempts(), len(f.Injected()))
	}
}

func TestFaults_eachFault_hasTheSDKErrorShape(t *testing.T) {
	throttle := func(err error) bool { var e *types.ThrottlingException; return errors.As(err, &e) }
	throughput := func(err error) bool { var e *types.ProvisionedThroughputExceededException; return errors.As(err, &e) }
	server := func(err error) bool { var e *types.InternalServerError; return errors.As(err, &e) }
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }
	for _, c := range []struct {
		fault     ddbguardtest.Fault
		shape     func(error) bool
		forwarded int
		retryable bool
	}{
		{ddbguardtest.Throttling, throttle, 0, true},
		{ddbguardtest.ThroughputExceeded, throughput, 0, true},
		{ddbguardtest.ServerError, server, 0, true},
		{ddbguardtest.Timeout, is(context.DeadlineExceeded), 0, false},
		{ddbguardtest.Canceled, is(context.Canceled), 0, false},
		{ddbguardtest.LostResponse, is(io.ErrUnexpectedEOF), 1, true},
	} {
		api := &stubAPI{}
		f := &ddbguardtest.Faults{API: api, Inject: ddbguardtest.Always(c.fault)}
		out, err := f.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{})
		var inj *ddbguardtest.InjectedError
		if out != nil || !errors.As(err, &inj) || inj.Fault != c.fault || inj.Op != "UpdateItem" || !c.shape(err) {
			t.Errorf("%s: got (%v, %v), want no output and an InjectedError of the SDK's shape", c.fault, out, err)
		}
		if n := len(api.received()); n != c.forwarded {
			t.Errorf("%s: %d calls reached the API, want %d", c.fault, n, c.forwarded)
		}
		if c.fault.Retryable() != c.retryable {
			t.Errorf("%s: Retryable() = %v", c.fault, !c.retryable)
		}
	}
}

func TestFaults_retries_resendTheSameInputAfterARetryableFault(t *testing.T) {
	for _, c := range []struct {
		fault               ddbguardtest.Fault
		attempts, forwarded int
		fails               bool
	}{
		{ddbguardtest.Throttling, 2, 1, false},   // failed before DynamoDB, then sent
		{ddbguardtest.LostResponse, 2, 2, false}, // sent twice, as the SDK can
		{ddbguardtest.Timeout, 1, 0, true},       // never retried
	} {
		api := &stubAPI{}
		f := &ddbguardtest.Faults{API: api, Inject: ddbguardtest.FirstAttempt(c.fault), Retries: 3}
		in := &dynamodb.PutItemInput{}
		_, err := f.PutItem(context.Background(), in)
		got := api.received()
		if (err != nil) != c.fails || f.Attempts() != c.attempts || len(got) != c.forwarded || f.Calls() != 1 {
			t.Errorf("%s: err %v, %d attempts, %d forwarded, %d calls; want fails=%v, %d, %d, 1",
				c.fault, err, f.Attempts(), len(got), f.Calls(), c.fails, c.attempts, c.forwarded)
		}
		for _, g := range got {
			if g != in {
				t.Errorf("%s: a retry sent another input", c.fault)
			}
		}
	}
}

func TestFaults_retriesExhausted_returnTheLastFault(t *testing.T) {
	f := &ddbguardtest.Faults{API: &stubAPI{}, Inject: ddbguardtest.Always(ddbguardtest.ServerError), Retries: 2}
	_, err := f.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{})
	var e *types.InternalServerError
	if !errors.As(err, &e) || f.Attempts() != 3 || len(f.Injected()) != 3 {
		t.Errorf("got %v after %d attempts, %d injected; want a server error after 3", err, f.Attempts(), len(f.Injected()))
	}
}

func TestOnce_injectsIntoTheFirstCallOnly(t *testing.T) {
	f := &ddbguardtest.Faults{API: &stubAPI{}, Inject: ddbguardtest.Once(ddbguardtest.Throttling)}
	_, err1 := f.GetItem(context.Background(), &dynamodb.GetItemInput{})
	_, err2 := f.GetItem(context.Background(), &dynamodb.GetItemInput{})
	inj := f.Injected()
	if err1 == nil || err2 != nil || len(inj) != 1 || inj[0].Call != (ddbguardtest.Call{Op: "GetItem", N: 1, Attempt: 1}) {
		t.Errorf("got %v, %v, injected %+v; want one fault, into call 1", err1, err2, inj)
	}
}

func TestRandom_sameSeed_sameFaults(t *testing.T) {
	faults := []ddbguardtest.Fault{ddbguardtest.Throttling, ddbguardtest.Timeout}
	a, b := ddbguardtest.Random(7, 0.5, faults...), ddbguardtest.Random(7, 0.5, faults...)
	none := ddbguardtest.Random(7, 0, faults...)
	seen := map[ddbguardtest.Fault]int{}
	for i := 0; i < 200; i++ {
		fa, fb := a(ddbguardtest.Call{}), b(ddbguardtest.Call{})
		if fa != fb {
			t.Fatalf("call %d: %s and %s from the same seed", i, fa, fb)
		}
		seen[fa]++
		if f := none(ddbguardtest.Call{}); f != ddbguardtest.NoFault {
			t.Fatalf("rate 0 injected %s", f)
		}
	}
	if seen[ddbguardtest.NoFault] == 0 || seen[ddbguardtest.Throttling] == 0 || seen[ddbguardtest.Timeout] == 0 {
		t.Errorf("200 draws at rate 0.5 gave %v", seen)
	}
}

func TestFaults_concurrentCalls_areAllCounted(t *testing.T) {
	api := &stubAPI{}
	f := &ddbguardtest.Faults{API: api, Inject: ddbguardtest.Random(1, 0.3, ddbguardtest.Throttling)}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				_, _ = f.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{})
			}
		}()
	}
	wg.Wait()
	if f.Calls() != 400 || f.Attempts() != 400 || len(api.received())+len(f.Injected()) != 400 {
		t.Errorf("Calls %d, Attempts %d, forwarded %d + injected %d; want 400 each way",
			f.Calls(), f.Attempts(), len(api.received()), len(f.Injected()))
	}
}

func TestFault_String_namesEveryFault(t *testing.T) {
	if got := ddbguardtest.LostResponse.String(); got != "lost response" {
		t.Errorf("LostResponse.String() = %q", got)
	}
	if got := ddbguardtest.Fault(99).String(); got != "Fault(99)" {
		t.Errorf("Fault(99).String() = %q", got)
	}
}
