# ddbguard: build, lint and test. GNU make.
#
#   make test             gofmt, go vet, staticcheck (every module), the README's
#                         Go snippets, then go test -race against DynamoDB Local
#                         (started and stopped around the tests), the nested
#                         modules' tests (analyzer, bench, examples) and the
#                         copy-each-example check
#   make demo             the TOCTOU attack demo against DynamoDB Local (built
#                         first, then DynamoDB Local is started)
#   make bench            peer benchmarks (bench/ module) against DynamoDB Local
#   make fuzz             every Fuzz target of the root package, FUZZTIME each
#   make soak             the soak test (go test -soak) against DynamoDB Local
#   make dynamodb-start   start a DynamoDB Local for manual runs; then
#                         export DDBGUARD_DYNAMODB_ENDPOINT=$$(scripts/dynamodb-local.sh endpoint)
#   make dynamodb-stop    stop it
#   make clean            remove local tool binaries and test caches
#
# With DDBGUARD_DYNAMODB_ENDPOINT set, every target uses that DynamoDB and
# starts none.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test
MAKEFLAGS += --no-print-directory

# -buildvcs=false: a fresh clone, a worktree or a tree owned by another user
# makes VCS stamping fail, and nothing here needs it. A GOFLAGS from the
# environment wins.
GOFLAGS ?= -buildvcs=false
export GOFLAGS

GO ?= go
# Nested modules, each with its own go.mod; a missing one is skipped.
NESTED := analyzer bench examples
NESTED_PRESENT = $(foreach d,$(NESTED),$(if $(wildcard $(d)/go.mod),$(d)))
# Nested modules whose tests run with the race detector (the examples race
# users against each other on purpose).
NESTED_RACE := examples

BIN := $(CURDIR)/.bin
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BIN)/staticcheck-$(STATICCHECK_VERSION)/staticcheck

WITH_DYNAMODB := scripts/with-dynamodb.sh
DYNAMODB_LOCAL := scripts/dynamodb-local.sh
EXAMPLES_COPY := scripts/check-examples-copy.sh
DEMO := $(BIN)/toctou

FUZZTIME ?= 60s

.PHONY: test fmt vet staticcheck snippets go-test demo bench fuzz soak \
	dynamodb-start dynamodb-stop clean

test: fmt vet staticcheck snippets
	$(WITH_DYNAMODB) $(MAKE) go-test

# Every ```go block of README.md compiles (go vet in a temporary module).
snippets:
	$(GO) run ./internal/cmd/checksnippets README.md

# gofmt over every .go file of the repository, nested modules included.
fmt:
	@files=$$(find . \( -name .git -o -name .bin -o -name node_modules \) -prune \
		-o -name '*.go' -type f -print | sort); \
	[ -n "$$files" ] || exit 0; \
	bad=$$(gofmt -l $$files); \
	if [ -n "$$bad" ]; then \
		echo "gofmt: these files need formatting (run gofmt -w):" >&2; \
		echo "$$bad" >&2; \
		exit 1; \
	fi

vet:
	$(GO) vet ./...
	@for d in $(NESTED_PRESENT); do \
		echo "cd $$d && $(GO) vet ./..."; \
		(cd $$d && $(GO) vet ./...) || exit 1; \
	done

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...
	@for d in $(NESTED_PRESENT); do \
		echo "cd $$d && staticcheck ./..."; \
		(cd $$d && $(STATICCHECK) ./...) || exit 1; \
	done

$(STATICCHECK):
	GOBIN=$(dir $@) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# The tests proper; expects DDBGUARD_DYNAMODB_ENDPOINT (make test sets it).
# Every module is tested even when an earlier one fails; the status is the
# worst of all.
go-test:
	@status=0; \
	echo "$(GO) test -race -count=1 ./..."; \
	$(GO) test -race -count=1 ./... || status=1; \
	for d in $(NESTED_PRESENT); do \
		race=; case " $(NESTED_RACE) " in *" $$d "*) race=-race;; esac; \
		echo "cd $$d && $(GO) test $$race -count=1 ./..."; \
		(cd $$d && $(GO) test $$race -count=1 ./...) || status=1; \
	done; \
	echo "$(EXAMPLES_COPY)"; \
	GO="$(GO)" $(EXAMPLES_COPY) || status=1; \
	exit $$status

# Build first (a cold build compiles the AWS SDK for a minute or so), then
# start DynamoDB Local, then run. The demo is its own module: examples/.
demo:
	@echo "demo: building examples/toctou (the first build compiles the AWS SDK: up to a minute or two)" >&2
	cd examples && $(GO) build -o $(DEMO) ./toctou
	@echo "demo: built; starting DynamoDB Local, then the demo" >&2
	$(WITH_DYNAMODB) $(DEMO)

bench:
	GO="$(GO)" bench/run.sh

fuzz:
	@targets=$$(grep -h -o '^func Fuzz[A-Za-z0-9_]*' *_test.go 2>/dev/null | sed 's/^func //' | sort -u || true); \
	if [ -z "$$targets" ]; then echo "fuzz: no Fuzz targets in the root package"; exit 0; fi; \
	for f in $$targets; do \
		echo "$(GO) test -run '^$$' -fuzz '^$$f\$$' -fuzztime $(FUZZTIME) ."; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done

soak:
	$(WITH_DYNAMODB) $(GO) test -run TestSoak -count=1 -v -timeout 10m . -soak

dynamodb-start:
	@$(DYNAMODB_LOCAL) start

dynamodb-stop:
	@$(DYNAMODB_LOCAL) stop

clean:
	rm -rf .bin
	$(GO) clean -testcache
