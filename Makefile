# sendingo — `make dev` runs the whole product locally, `make test` runs the tests.
GO       ?= go
BIN      := .bin
TEMPORAL := $(BIN)/temporal
TERRAFORM := $(BIN)/terraform
SENDINGO := $(BIN)/sendingo

.PHONY: dev test build lint bench tools terraform clean FORCE

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

# The pinned terraform (tools/terraform/go.mod, v1.5.7, the last MPL release) that
# `sendingo infra` and the infra tests use when SENDINGO_TERRAFORM is unset and no
# terraform is on PATH. Its own module keeps its dependencies apart from Temporal's.
$(TERRAFORM): tools/terraform/go.mod tools/terraform/go.sum
	cd tools/terraform && $(GO) build -o ../../$(TERRAFORM) github.com/hashicorp/terraform

terraform: $(TERRAFORM)

tools: $(TEMPORAL) $(TERRAFORM)

lint:
	gofmt -l . | (! grep .) || (echo "gofmt needed on the files above" && false)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf $(BIN) .data

FORCE:
