# sendingo — `make dev` runs the whole product locally, `make test` runs the tests.
GO       ?= go
BIN      := .bin
TEMPORAL := $(BIN)/temporal
SENDINGO := $(BIN)/sendingo

.PHONY: dev test build lint bench tools clean FORCE

dev: build $(TEMPORAL)
	SENDINGO_DEV=true SENDINGO_TEMPORAL_CLI=$(abspath $(TEMPORAL)) exec $(SENDINGO) dev

test: $(TEMPORAL)
	$(GO) vet ./...
	SENDINGO_TEMPORAL_CLI=$(abspath $(TEMPORAL)) $(GO) test -count=1 -v -timeout 25m ./...

build: $(SENDINGO)

$(SENDINGO): FORCE
	$(GO) build -o $(SENDINGO) ./cmd/sendingo

# The pinned Temporal CLI (tools/go.mod), built once and kept in .bin/.
$(TEMPORAL): tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../$(TEMPORAL) github.com/temporalio/cli/cmd/temporal

tools: $(TEMPORAL)

lint:
	gofmt -l . | (! grep .) || (echo "gofmt needed on the files above" && false)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf $(BIN) .data

FORCE:
