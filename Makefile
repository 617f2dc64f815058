# jwt-proxy-wasm: a proxy-wasm JWT filter in Go for Envoy (>= 1.33) and Istio (>= 1.25).
# `make help` lists the targets. Outputs go under build/ only.

GO        ?= go
WASM      := build/jwt-proxy-wasm.wasm
FUZZTIME  ?= 10s
SOAK_DURATION ?= 60s
# The e2e suite runs in both WASI profiles of the host (see e2e/harness): the full suite in the
# strictest (envoy-1.33), the tests named *Smoke* in envoy-latest.

.DEFAULT_GOAL := help
.PHONY: help build test unit e2e interop bench fuzz fuzz-ci soak lint fmt check demo image clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 10

build: $(WASM) ## compile the filter to build/jwt-proxy-wasm.wasm (GOOS=wasip1 GOARCH=wasm, c-shared)

$(WASM): FORCE
	@mkdir -p build
	./scripts/build-wasm.sh -o $(WASM) .

FORCE:

test: lint unit build e2e interop fuzz-ci ## everything CI runs: lint, unit tests, the compiled module under the e2e host, Dex and examples, brief fuzzing

unit: ## unit tests of the pure packages (native)
	$(GO) test -count=1 ./jwks/... ./jwt/... ./config/... ./policy/... ./filter/... ./tools/... ./scripts/... ./internal/... ./tokencache/...

e2e: build ## end-to-end tests of build/jwt-proxy-wasm.wasm under the Envoy-like wazero host, both WASI profiles
	WASM_PATH=$(CURDIR)/$(WASM) E2E_PROFILE=envoy-1.33 $(GO) test -count=1 -timeout 15m ./e2e/...
	WASM_PATH=$(CURDIR)/$(WASM) E2E_PROFILE=envoy-latest $(GO) test -count=1 -timeout 10m -run 'Smoke' ./e2e/...

interop: build ## the interop module: Dex end to end, Envoy/Istio example validation, OCI image round trip
	cd interop && WASM_PATH=$(CURDIR)/$(WASM) $(GO) test -count=1 -timeout 15m ./...

image: build ## write the module as an OCI image Istio can pull (build/image)
	cd interop && $(GO) run ./cmd/image -wasm ../$(WASM) -o ../build/image

bench: build ## benchmarks: native, then the compiled module under the e2e host (writes build/bench/table.md, chart.svg)
	$(GO) test -run '^$$' -bench . -benchmem ./jwt/... ./jwks/... ./policy/... ./tokencache/... ./internal/...
	WASM_PATH=$(CURDIR)/$(WASM) ./scripts/bench.sh
	$(GO) test -tags wasmbench -run '^$$' -bench 'Wasm|Ratio' -benchtime 0.5s ./internal/rsafast/

fuzz: ## run every fuzz target for FUZZTIME each (a crasher stays in testdata/fuzz as a regression test)
	./scripts/fuzz.sh $(FUZZTIME)

# CI budgets are execution counts, not durations: with a duration, Go < 1.27's fuzz coordinator can
# report a spurious "context deadline exceeded" at the deadline (golang/go#75804). The RSA
# differential fuzzers sign with a private key on every execution, hence their smaller count.
fuzz-ci: ## every fuzz target briefly, as CI does
	FUZZ_SKIP='^./internal/rsafast$$' ./scripts/fuzz.sh 30000x
	./scripts/fuzz.sh 1000x ./internal/rsafast

soak: build ## the long load/soak run: 4 VMs, concurrent clients, good/expired/forged/public mix (SOAK_DURATION)
	WASM_PATH=$(CURDIR)/$(WASM) SOAK_DURATION=$(SOAK_DURATION) $(GO) test -count=1 -timeout 30m -run '^TestSoak$$' -v ./e2e

lint: ## gofmt and go vet (native and wasip1)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change (run make fmt):"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet . ./filter/...
	cd interop && $(GO) vet ./...

fmt: ## rewrite files with gofmt
	gofmt -w $$(git ls-files '*.go')

check: fmt ## fmt + go mod tidy, then fail if anything changed
	$(GO) mod tidy
	cd interop && $(GO) mod tidy
	@git diff --exit-code || { echo "files changed: commit the formatting / go.mod changes"; exit 1; }

demo: build ## the local demo: filter + IdP + upstream, with curl lines to try
	./scripts/demo.sh

clean: ## remove build outputs
	rm -rf build
