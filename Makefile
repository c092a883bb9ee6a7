# Crucible: one target for each thing people do.
GO ?= go
DATA_DIR ?= .crucible
PKGS := ./...

.PHONY: run build test generate lint bench fuzz tidy console screenshots

## run: the server with demo data on a private PostgreSQL cluster in $(DATA_DIR)
run:
	$(GO) run ./cmd/crucible serve --data-dir $(DATA_DIR)

## build: the crucible binary in bin/
build:
	$(GO) build -o bin/crucible ./cmd/crucible

## test: every test, against a throwaway PostgreSQL started from the local binaries
test:
	$(GO) test -count=1 -timeout 20m $(PKGS)

## generate: regenerate the gqlgen code from graph/schema/*.graphqls
generate:
	$(GO) run ./graph/gen

## lint: vet, gofmt and the check that generated code is up to date
lint:
	$(GO) vet $(PKGS)
	@test -z "$$(gofmt -l . | tee /dev/stderr)" || (echo "gofmt: the files above need formatting" && exit 1)
	$(GO) run ./graph/gen
	@git diff --exit-code -- graph/ || (echo "generated code is stale: run make generate and commit" && exit 1)

## bench: the benchmarks (matching library, store, HTTP)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -timeout 60m $(PKGS)

## fuzz: a short run of every fuzz target (FUZZTIME each, default 10s); see scripts/fuzz.sh
FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) scripts/fuzz.sh

## console: rebuild the web console into internal/server/console/dist (needs Node.js 20 and npm)
console:
	internal/server/console/web/build.sh

## screenshots: the console's screenshots in docs/screenshots (needs chromium and, for Chinese, fonts-noto-cjk)
screenshots:
	mkdir -p docs/screenshots
	CRUCIBLE_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestConsoleScreenshots$$' ./internal/server/
