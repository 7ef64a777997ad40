# `make demo` and `make test` do all their own set-up on a fresh machine (see README.md); tests/README.md maps the suites.
PYTHON ?= python3
VENV ?= $(CURDIR)/.venv
BIN := $(VENV)/bin
BUILD ?= $(CURDIR)/build
COLLECTIONS := $(BUILD)/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/citrix_cloud/daas
INSTALLED := $(BUILD)/installed
export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# What the runs write stays in the build folder: ansible-core's home (its tmp and galaxy cache), and ansible-test's,
# which keeps its virtual environments and caches under ~/.ansible/test: ansible-test runs with HOME set to this.
export ANSIBLE_HOME := $(BUILD)/ansible-home
export ANSIBLE_TEST_HOME := $(BUILD)/ansible-test-home

# One suite alone: make SUITE; PYTEST_ARGS (pytest suites), SANITY_ARGS, TARGET (integration) and FAULTS_ARGS narrow
# it to one test (tests/README.md). The suites of `make test`, the longest first; TEST_JOBS of them run at a time (tests/run_suites.sh), each in folders
# of its own, so that no two write to the same place.
SUITES := matrix integration integration-on-premises sanity faults faults-on-premises docs-examples eda-integration release-check simulator-tests units lint model
TEST_JOBS ?= 3

.PHONY: demo test venv collection install docs clean $(SUITES)

demo: install
	ANSIBLE_COLLECTIONS_PATH=$(INSTALLED) VENV=$(VENV) bash scripts/demo.sh

# make test runs the fault suite's bounded form (one case of each kind); make faults alone runs all of it.
test: venv collection install
	FAULTS_ARGS=--bounded TEST_JOBS=$(TEST_JOBS) TEST_LOGS=$(BUILD)/test-logs bash tests/run_suites.sh $(SUITES)
	@echo "make test: every check passed"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# ansible-test needs the collection under ansible_collections/<namespace>/<name>: copy the tracked and new files there,
# but Citrix's spec: it is the simulator tests' data (they run here), never part of the collection.
collection: venv
	rm -rf $(COLLECTION) && mkdir -p $(COLLECTION)
	git ls-files -z -co --exclude-standard -- . ':!tests/simulator/spec' | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C $(COLLECTION)
	cd $(COLLECTION) && git init -q  # its own repository, so that ansible-test does not see it as ignored files of this one

install: collection
	rm -rf $(BUILD)/dist $(INSTALLED)
	cd $(COLLECTION) && ansible-galaxy collection build --force --output-path $(BUILD)/dist
	ansible-galaxy collection install --force -p $(INSTALLED) $(BUILD)/dist/citrix_cloud-daas-*.tar.gz

# ansible-test downloads a pip bootstrap script from a host outside the package registries: give it ours. A copy of
# its own: ansible-test sanity checks every file of the collection, and writes tests/output there.
SANITY_COPY := $(BUILD)/sanity/ansible_collections/citrix_cloud/daas
sanity: collection
	HOME=$(ANSIBLE_TEST_HOME) python tools/get_pip.py --install
	rm -rf $(SANITY_COPY) && mkdir -p $(SANITY_COPY) && tar -C $(COLLECTION) --exclude=./tests/output -cf - . | tar -C $(SANITY_COPY) -xf -
	cd $(SANITY_COPY) && HOME=$(ANSIBLE_TEST_HOME) ansible-test sanity --venv --python 3.11 --color no $(SANITY_ARGS)

lint: collection
	cd $(COLLECTION) && ansible-lint --profile production --offline

units: collection
	cd $(COLLECTION) && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$(COLLECTIONS) python -m pytest tests/unit -q -p no:cacheprovider $(PYTEST_ARGS)

simulator-tests: venv
	python -m pytest tests/simulator/tests -q -p no:cacheprovider $(PYTEST_ARGS)

# Every yaml example of README.md and docs/ parses; each playbook among them runs against the simulator.
docs-examples: collection
	python -m pytest tests/docs -q -p no:cacheprovider $(PYTEST_ARGS)

# TARGET=<name> runs one integration target; default: all of them, on INTEGRATION_JOBS workers, against a site of
# kind SITE_KIND (tests/integration/run.sh). integration-on-premises: the same targets against an on-premises site.
INTEGRATION_JOBS ?= 2
SITE_KIND ?= cloud
integration: collection
	VENV=$(VENV) COLLECTION=$(COLLECTION) JOBS=$(INTEGRATION_JOBS) SITE_KIND=$(SITE_KIND) bash tests/integration/run.sh $(TARGET)

integration-on-premises: collection
	VENV=$(VENV) COLLECTION=$(COLLECTION) JOBS=$(INTEGRATION_JOBS) SITE_KIND=on_premises bash tests/integration/run.sh $(TARGET)

# The fault suite: the role and the bulk modules under faults, races and interruptions; prints the figures table.
# faults-on-premises: the same cases against an on-premises site (the PCE case aside, which the Cloud run has).
# FAULT_JOBS cases run at a time, each on a simulator of its own (they mostly wait on the simulator's clock).
FAULT_JOBS ?= 3
faults: collection
	python tests/faults/run.py --jobs $(FAULT_JOBS) --work-dir $(BUILD)/faults-cloud $(FAULTS_ARGS)

faults-on-premises: collection
	python tests/faults/run.py --site-kind on_premises --jobs $(FAULT_JOBS) --work-dir $(BUILD)/faults-on-premises $(FAULTS_ARGS)

# The drain fence's model, explored over every interleaving (docs/reboot-workflow.md); prints states and violations.
model: venv
	python -m tests.model.fence_model
	python -m tests.model.drain_model
	python -m pytest tests/model -q -p no:cacheprovider $(PYTEST_ARGS)

# The example rulebooks under the real ansible-rulebook (own venv, Java 17+) with the installed collection.
eda-integration: install
	VENV=$(VENV) INSTALLED=$(INSTALLED) bash tests/eda/run.sh $(PYTEST_ARGS)

# The oldest and the newest ansible-core, each in its own venv (tests/matrix/run.sh); prints the matrix it ran.
matrix: collection
	VENV=$(VENV) COLLECTION=$(COLLECTION) bash tests/matrix/run.sh

release-check: collection
	cd $(COLLECTION) && VENV=$(VENV) bash tests/release/check.sh

# Regenerate docs/modules/ and CHANGELOG.md after changing a plugin's docs or a changelog fragment (release-check compares).
docs: venv
	$(VENV)/release/bin/python -c '' 2>/dev/null || ($(BIN)/python -m venv $(VENV)/release && $(VENV)/release/bin/python -m pip install -q -r tests/release/requirements.txt)
	$(VENV)/release/bin/python tools/gen_docs.py
	$(VENV)/release/bin/python tools/changelog.py

clean:
	rm -rf $(BUILD) $(VENV) tests/output
