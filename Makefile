# sendingo — `make dev` runs the whole product locally, `make test` runs the tests.
GO       ?= go
BIN      := .bin
TEMPORAL := $(BIN)/temporal
TERRAFORM := $(BIN)/terraform
SENDINGO := $(BIN)/sendingo

# The web console (web/): built into web/dist/app, which the binary embeds.
CONSOLE      := web/dist/app/index.html
NODE_MODULES := web/node_modules/.package-lock.json
CONSOLE_SRC  := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
                web/tsconfig.json web/package.json api/openapi.yaml

.PHONY: dev test build console screenshots bench-console lint bench tools terraform clean FORCE

dev: build $(TEMPORAL)
	SENDINGO_DEV=true SENDINGO_TEMPORAL_CLI=$(abspath $(TEMPORAL)) exec $(SENDINGO) dev

test: console $(TEMPORAL)
	cd web && npm run lint:api && npm test
	$(GO) vet ./...
	SENDINGO_REQUIRE_CONSOLE=1 SENDINGO_TEMPORAL_CLI=$(abspath $(TEMPORAL)) GO=$(GO) scripts/go-test -count=1 -timeout 25m ./...

build: console $(SENDINGO)

$(SENDINGO): FORCE
	$(GO) build -o $(SENDINGO) ./cmd/sendingo

# npm ci when node_modules is missing or older than the lockfile; the console is
# rebuilt when it is missing or older than its sources, the lockfile or the spec.
$(NODE_MODULES): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

$(CONSOLE): $(NODE_MODULES) $(CONSOLE_SRC)
	cd web && npm run build

console: $(CONSOLE)

# Screenshots of every console page (Korean) into docs/screenshots/.
screenshots: console $(TEMPORAL)
	SENDINGO_SCREENSHOTS=1 SENDINGO_REQUIRE_CONSOLE=1 SENDINGO_TEMPORAL_CLI=$(abspath $(TEMPORAL)) \
		$(GO) test -count=1 -run TestConsoleJourneys ./e2e/

# The console's initial JavaScript (gzipped) and cold-load time to interactive.
bench-console: build
	cd web && node scripts/bench-console.mjs ../$(SENDINGO)

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
	rm -rf $(BIN) .data web/dist/app

FORCE:
