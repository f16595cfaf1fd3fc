# Business Mobile Assistant — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export RASA_TELEMETRY_ENABLED := false
export PYTHONPATH := $(CURDIR)

APP := .venv-app/bin
RASA := .venv-rasa/bin/rasa
# PostgreSQL for the backend tests when one answers here (CI machines have it); SQLite always.
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: help install migrate seed train demo chat test lint validate test-backend test-actions \
	test-conversations test-e2e test-browser test-channels test-privacy privacy-jobs format lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

install: ## build both virtual environments (cached by the content of requirements/*.txt)
	@mkdir -p var/log
	@scripts/venv.sh app requirements/app.txt
	@scripts/venv.sh rasa requirements/rasa.txt

migrate: install ## create/upgrade the backend database (SQLite in var/ unless DATABASE_URL is set)
	$(APP)/python -m backend.migrate

seed: migrate ## load the deterministic demo data (idempotent)
	$(APP)/python -m backend.seed

train: install ## train the Rasa model unless one for this data/domain/config is cached
	@scripts/train.sh

demo: install ## run the whole product on embedded defaults; Ctrl-C stops it
	@model=$$(scripts/train.sh) && exec $(APP)/python -m scripts.stack --model "$$model"

chat: install ## chat with the running demo in the terminal (logs in as DEMO_GSM, default the Acme fleet manager)
	$(APP)/python -m scripts.chat

test: install lint validate test-validation test-backend test-actions test-conversations test-e2e test-browser test-channels test-privacy test-faults test-security test-scale ## run every test (what CI runs)

lint: install ## ruff (lint + format check) and mypy
	$(APP)/ruff check .
	$(APP)/ruff format --check .
	$(APP)/mypy
	@# bot/channels, bot/policies and bot/server.py run inside Rasa: type-checked against the Rasa environment.
	$(APP)/mypy --strict --python-executable .venv-rasa/bin/python --explicit-package-bases \
		--ignore-missing-imports bot/channels bot/components bot/lock_store.py bot/policies bot/server.py

validate: install ## rasa data validate (domain, NLU, stories, rules) and the entity regexes' tests
	@scripts/validate.sh
	$(APP)/pytest -q tests/nlu

test-backend: install ## backend tests on PostgreSQL (if reachable) and on SQLite
	@if $(APP)/python -c "import psycopg; psycopg.connect('postgresql://postgres@127.0.0.1:5432/test', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== backend tests on PostgreSQL"; TEST_DATABASE_URL=$(PG_TEST_URL) $(APP)/pytest -q tests/backend || exit 1; \
	else echo "== PostgreSQL not reachable on 127.0.0.1:5432: backend tests on SQLite only"; fi
	@echo "== backend tests on SQLite"
	@tmp=$$(mktemp -d) && TEST_DATABASE_URL=sqlite:///$$tmp/test.db $(APP)/pytest -q tests/backend; rc=$$?; rm -rf $$tmp; exit $$rc

.PHONY: test-validation
test-validation: install ## the input checks shared by bot and backend; bot and backend agree; domain.yml's examples are valid
	$(APP)/pytest -q tests/validation

test-actions: install ## action server tests (backend faked at the HTTP boundary)
	$(APP)/pytest -q tests/actions

test-conversations: install ## Rasa test stories in FR, NL and EN
	@model=$$(scripts/train.sh) && $(RASA) test core --model "$$model" --stories tests/conversations \
		--fail-on-prediction-errors --out var/test-results > var/log/test-conversations.log 2>&1 \
		|| { tail -n 40 var/log/test-conversations.log; cat var/test-results/failed_test_stories.yml 2>/dev/null | head -80; exit 1; }
	@grep -E "Evaluation Results on|Correct:" var/log/test-conversations.log | sed 's/.*rasa.core.test *- *//' 

test-e2e: install ## real backend + action server + Rasa server over HTTP
	$(APP)/pytest -q tests/e2e

.PHONY: test-security
test-security: install ## authorization matrix, schemathesis fuzz (SECURITY_FUZZ_EXAMPLES), rate limits, intent/entity injection (a few minutes)
	$(APP)/pytest -q tests/security

.PHONY: test-faults
test-faults: install ## backend faults behind a proxy, action server down, idempotency races (times: bench/results/faults.md)
	FAULTS_RESULTS=bench/results/faults.md $(APP)/pytest -q tests/faults

test-privacy: install ## personal data in no log and not in clear in the tracker store; retention, erasure
	$(APP)/pytest -q tests/privacy

privacy-jobs: migrate ## once: retention of old conversations and pending erasures (tracker store, backend)
	$(APP)/python -m backend.privacy
	TRACKER_DB_DIALECT=$${TRACKER_DB_DIALECT:-sqlite} TRACKER_DB_URL=$${TRACKER_DB_URL:-} \
		TRACKER_DB=$${TRACKER_DB:-var/tracker.db} .venv-rasa/bin/python -m bot.retention

test-channels: install ## Slack and Teams channels + account linking against fake Slack / Bot Framework on 127.0.0.1
	$(APP)/pytest -q tests/channels

test-scale: install ## two Rasa servers on PostgreSQL + Redis: lock race (ours and stock), private services, deploy files (about 2 minutes)
	$(APP)/pytest -q tests/scale

test-browser: install ## the web chat widget in Debian's Chromium (Playwright) against the real services
	@scripts/chromium.sh
	$(APP)/pytest -q tests/browser

format: install ## apply ruff formatting and safe fixes
	$(APP)/ruff format .
	$(APP)/ruff check --fix .

lock: ## re-pin requirements/*.txt from requirements/*.in in fresh venvs
	scripts/lock.sh

clean: ## remove local state (database, logs, test results); keeps the caches
	rm -rf var

# --- bench (issue 7): results in bench/results/; extra arguments via LOAD_ARGS / BACKEND_ARGS
.PHONY: bench bench-pipelines bench-load bench-backend bench-train bench-lock bench-turn-length test-scale

bench: install ## every issue #7 number (train cost, NLU product + 3-fold CV, BANKING77, CLINC150, load, backend) and the summary table (BENCH_ARGS)
	$(APP)/python bench/run_all.py $(BENCH_ARGS)

bench-pipelines: install ## NLU pipeline comparison on the held-out sets (product, lbfgs, DIET without transformer), then the summary table
	.venv-rasa/bin/python bench/nlu_product.py --compare product,product_without_encoder,logreg_lbfgs_w12_c25_mindf2,diet0_e60_w1_c14
	$(APP)/python bench/run_all.py --summary-only

bench-load: install ## load test: N concurrent conversations over REST, product vs stock-pipeline baseline
	$(APP)/python bench/load.py $(LOAD_ARGS)

bench-backend: install ## backend alone on PostgreSQL (uvicorn, 2 workers), open loop 50 requests/s
	$(APP)/python bench/backend_load.py $(BACKEND_ARGS)

bench-train: install ## training cost: cold train, retrain after a response edit, peak memory, model size
	$(APP)/python bench/train_cost.py

bench-lock: install ## lock race, 8 conversations × 25 pairs on two Rasa servers, ours vs stock RedisLockStore (LOCK_ARGS)
	$(APP)/python bench/lock_race.py $(LOCK_ARGS)

bench-turn-length: install ## turn time and CPU at 100 / 1,000 / 10,000 / 40,000 characters over Slack, real stack (issue #15)
	$(APP)/python bench/turn_length.py

# Natural-dialogue evaluation (bench/dialogues/FORMAT.md): set1 is the development set, set2 the
# sealed one (EVAL_SET=set2), or any folder with fr.yml / nl.yml / en.yml. Not part of `make test`.
EVAL_SET ?= set1
.PHONY: eval-dialogues
eval-dialogues: install ## play the dialogue tasks of bench/dialogues/$(EVAL_SET) on the real stack → bench/results/eval_dialogues_$(EVAL_SET).md (EVAL_ARGS)
	$(APP)/python bench/eval_dialogues.py --set $(EVAL_SET) $(EVAL_ARGS)
