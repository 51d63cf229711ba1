# The two commands: `make demo` (the whole site against the embedded AWS) and
# `make test` (every check). Both bootstrap the pinned virtualenv on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
SDK_VENV := .venv-sagemaker
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export CHECKPOINT_DISABLE := 1
export AWS_EC2_METADATA_DISABLED := true
# Two workers: most of the time goes to waiting on Terraform, molecule and the emulator.
# --dist worksteal: a worker that runs out takes tests from the other's queue (with the
# default, tests handed out early stay with their worker, and one worker ran the last
# quarter hour alone). --durations=25 lists the slowest tests, so the CI budget (45 min)
# stays visible.
PYTEST_ARGS ?= -n 2 --dist worksteal --durations=25

# System packages the sections need, as command:debian-package. `system-deps` installs the
# missing ones on Debian as root, and elsewhere names them and stops.
SYSTEM_DEPS := jq:jq curl:curl terraform:terraform dockerd:docker.io docker-registry:docker-registry \
  debootstrap:debootstrap htpasswd:apache2-utils wrk:wrk

.PHONY: help system-deps setup demo test lint unit molecule bench teardown clean lock package sdk-venv diagrams

help:
	@echo "make demo      deploy the whole site to the embedded AWS (starts it)"
	@echo "make test      lint + unit + integration + molecule scenarios"
	@echo "make lint      static checks only"
	@echo "make sdk-venv  the SageMaker Python SDK in its own venv (the SDK sample and its test)"
	@echo "make diagrams  re-render docs/diagrams/*.png from their Graphviz sources"
	@echo "make bench     benchmarks (prints our figure beside its baseline)"
	@echo "make package   the submission: dist/aws-mlops-estate.zip with SUBMISSION.md"
	@echo "make teardown  delete what the demo created and stop the emulator"
	@echo "make clean     remove virtualenvs and local state"

setup: system-deps $(VENV)/.installed $(CHECKOV_VENV)/.installed

# jq/curl: the CLI script; Docker engine, registry, debootstrap, htpasswd: the model image
# section (a private engine and registry on loopback); wrk: its benchmark. Terraform is not
# a Debian package: its absence is reported with where to get it.
system-deps:
	@missing=(); for need in $(SYSTEM_DEPS); do \
	  command -v "$${need%%:*}" >/dev/null || missing+=("$${need#*:}"); done; \
	if [[ " $${missing[*]} " == *" terraform "* ]]; then \
	  echo "terraform 1.11+ is required on PATH (https://developer.hashicorp.com/terraform/install)" >&2; exit 1; fi; \
	if (( $${#missing[@]} )); then \
	  if [[ -f /etc/debian_version && $$(id -u) -eq 0 ]]; then \
	    echo "installing missing system packages: $${missing[*]}"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$${missing[@]}"; \
	  else \
	    echo "missing system packages: $${missing[*]}; install them (Debian/Ubuntu: sudo apt-get install -y $${missing[*]})" >&2; \
	    exit 1; \
	  fi; \
	fi

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# checkov pins an older boto3 than Ansible and moto need: it lives in its own venv.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# The SageMaker Python SDK (files/sagemaker/sdk) is about 300 MB installed: its own venv,
# built for the SDK sample and its test only, never by setup or demo. pip's wheel cache
# makes a rebuild fast; the stamp makes a second `make test` skip it.
sdk-venv: $(SDK_VENV)/.installed

$(SDK_VENV)/.installed: files/sagemaker/sdk/requirements.txt
	$(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r files/sagemaker/sdk/requirements.txt
	touch $@

# Graphviz (Debian: graphviz) is needed only to re-render; the PNGs are committed, and
# tests/unit/test_diagrams.py fails when one is older than its source (the .sha256 beside it).
diagrams:
	@command -v dot >/dev/null || { echo "dot not found: install Graphviz (Debian: apt-get install graphviz)" >&2; exit 1; }
	@for src in docs/diagrams/*.dot; do \
	  dot -Tpng -Gdpi=96 "$$src" -o "$${src%.dot}.png" && \
	  sha256sum "$$src" | cut -d' ' -f1 > "$${src%.dot}.png.sha256" && echo "rendered $${src%.dot}.png"; done

demo: setup
	ansible-playbook site.yml

# The reviewer's zip (roles/package): tracked files + SUBMISSION.md, same commit -> same bytes.
package: setup
	ansible-playbook playbooks/package.yml

teardown: setup
	ansible-playbook playbooks/teardown.yml

lint: setup
	ruff check .
	yamllint -s .
	ansible-lint
	cfn-lint files/cloudformation/*.yaml
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download -d files --framework cloudformation terraform
	shellcheck $$(git ls-files "*.sh") .ci/run
	hadolint files/model_image/Dockerfile

test: lint sdk-venv
	pytest $(PYTEST_ARGS)

bench: setup
	@for b in bench/bench_*.py; do [ -e "$$b" ] || continue; python "$$b" || exit 1; done

clean:
	-$(BIN)/python -m emulator stop 2>/dev/null
	-$(BIN)/python -m emulator.registry stop --port 5566 2>/dev/null
	-$(BIN)/python -m emulator.docker_engine stop --state-dir .state/docker-engine-4566 2>/dev/null
	rm -rf $(VENV) $(CHECKOV_VENV) $(SDK_VENV) .state .pytest_cache .ruff_cache .hypothesis dist

# Re-resolve requirements.in into the pinned requirements.txt (needs the registry).
lock:
	$(PYTHON) -m venv /tmp/lock-venv && /tmp/lock-venv/bin/pip install -q -r requirements.in
	{ echo '# Pinned from requirements.in by `make lock`; do not edit by hand.'; \
	  /tmp/lock-venv/bin/pip freeze; } > requirements.txt
