# Curtail — the two commands that matter on a fresh Debian/Ubuntu machine:
#   make test   install what is missing, build, run every test (a real mosquitto is started by the tests;
#               openssl makes the throwaway certificates of the TLS tests)
#   make demo   install what is missing, build, run the demo
# More: make replay (a year of real prices, HTML report), make tune (tune a policy on 2021-2022,
# validate on 2023), make build, make bench, make clean.

SWIFT        ?= swift
APT_PACKAGES := libmosquitto-dev mosquitto mosquitto-clients openssl zlib1g-dev libsqlite3-dev
# The data: DATA=DIR or CURTAIL_DATA=DIR when given, else the full history in ../shared/data when
# it is there, else the excerpt that ships in data/ (HB_WEST 2021-2023 and the matching Bitcoin
# days, gzip; data/README.md).
DATA         ?= $(or $(CURTAIL_DATA),$(if $(wildcard ../shared/data/btc_daily.csv),../shared/data,data))
PRICES       := $(firstword $(wildcard $(DATA)/ercot_rtm_spp_hb_west_15min.csv $(DATA)/ercot_rtm_spp_hb_west_15min.csv.gz))
BITCOIN      := $(firstword $(wildcard $(DATA)/btc_daily.csv $(DATA)/btc_daily.csv.gz))
RELEASE_BIN  := .build/release

.PHONY: all deps build lint format test conformance bench demo demo-miners replay tune install generated clean

all: build

# Installs the system packages when they are missing: with apt-get as root, otherwise prints the
# exact command to run. Checks the files themselves, so it also works where they came from elsewhere.
deps:
	@missing=""; \
	[ -f /usr/include/mosquitto.h ] || [ -f /usr/local/include/mosquitto.h ] || missing="$$missing libmosquitto-dev"; \
	command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || [ -x /usr/local/sbin/mosquitto ] || missing="$$missing mosquitto"; \
	command -v mosquitto_sub >/dev/null 2>&1 || missing="$$missing mosquitto-clients"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	[ -f /usr/include/zlib.h ] || [ -f /usr/local/include/zlib.h ] || missing="$$missing zlib1g-dev"; \
	[ -f /usr/include/sqlite3.h ] || [ -f /usr/local/include/sqlite3.h ] || missing="$$missing libsqlite3-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: installing$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq $(APT_PACKAGES) >/dev/null || exit 1; \
	  else \
	    echo "make: missing system packages:$$missing"; \
	    echo "make: install them with:  sudo apt-get install -y $(APT_PACKAGES)"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build --build-tests

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Simulator Tests

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Simulator Tests

test: build lint
	$(SWIFT) test --disable-xctest
	$(MAKE) --no-print-directory conformance

# Real clients and peers: pyasic and luxos against the simulator's fake miners, openleadr's
# OpenADR 2.0b VTN against curtail openadr, headless chromium (DevTools protocol through
# websocket-client) on the live page (pinned in Tests/Conformance/requirements.txt), in a
# throwaway virtual environment under .build/. Without PyPI it says so and skips, except in CI,
# where that is a failure.
CONFORMANCE_VENV := .build/conformance-venv
conformance:
	@if [ ! -x $(CONFORMANCE_VENV)/bin/pytest ] || ! cmp -s Tests/Conformance/requirements.txt $(CONFORMANCE_VENV)/requirements.txt; then \
	  rm -rf $(CONFORMANCE_VENV); \
	  python3 -m venv $(CONFORMANCE_VENV) && \
	  $(CONFORMANCE_VENV)/bin/pip install -q --disable-pip-version-check -r Tests/Conformance/requirements.txt && \
	  cp Tests/Conformance/requirements.txt $(CONFORMANCE_VENV)/requirements.txt || { \
	    rm -rf $(CONFORMANCE_VENV); \
	    if [ -n "$$CI" ]; then echo "make: could not install the conformance clients from PyPI"; exit 1; fi; \
	    echo "make: conformance tests skipped: pyasic, luxos and openleadr could not be installed from PyPI (no network?)"; exit 0; }; \
	fi
	$(CONFORMANCE_VENV)/bin/pytest -q -W ignore::DeprecationWarning Tests/Conformance

# Figures for the README: release build, then the MQTT relay benchmark (Swift client vs bare C),
# the decision engine, replay and tuning on real ERCOT prices (reads ../shared/data), the live loop
# (price message → 100 group commands through a local broker, vs the C relay; ingest; RSS),
# a million fuzzed inputs, the takeover time of an active/standby pair, curtail agent against
# 10,000 fake miners (sweep, sleep confirmation, wake stagger, RSS), and /metrics with live pages open.
bench: deps
	$(SWIFT) build -c release
	$(RELEASE_BIN)/curtail-bench mqtt
	$(RELEASE_BIN)/curtail-bench engine
	$(RELEASE_BIN)/curtail-bench replay
	$(RELEASE_BIN)/curtail-bench tune
	$(RELEASE_BIN)/curtail-bench loop
	$(RELEASE_BIN)/curtail-bench fuzz
	$(RELEASE_BIN)/curtail-bench failover
	$(RELEASE_BIN)/curtail-bench agent
	$(RELEASE_BIN)/curtail-bench http

# The demo: a local mosquitto, the grid simulator playing 6 Sep 2023 at ERCOT HB_WEST (real
# prices with the evening spike, a scripted ERS-10 deployment) and the controller for the example
# site; a live status table, then a summary. About a minute; reads $(DATA) (see above).
demo: deps
	$(SWIFT) build -c release --product curtail
	@echo
	$(RELEASE_BIN)/curtail demo --data $(DATA)

# The same day for the 12-miner lab site, through real miner protocols: fake LuxOS, Braiins OS and
# stock Antminer miners on 127.0.0.11-34 (ports 4028 and 80: run as root), driven by curtail agent.
# About two minutes.
demo-miners: deps
	$(SWIFT) build -c release --product curtail
	@echo
	$(RELEASE_BIN)/curtail demo --data $(DATA) --scenario Simulator/Scenarios/ercot-2023-09-06-lab.yaml \
	  --miners Policies/sites/example-west-texas-lab-miners.yaml

# Replay 2023 at ERCOT HB_WEST for the example site under the shipped dual-strike policy,
# against always-on and the oracle; prints the summary and writes an HTML report.
replay: deps
	$(SWIFT) build -c release --product curtail
	@echo
	$(RELEASE_BIN)/curtail replay --prices $(PRICES) --bitcoin $(BITCOIN) \
	  --policy Policies/dual-strike.yaml --site Policies/sites/example-west-texas.yaml \
	  --from 2023-01-01 --to 2023-12-31 --report reports/replay-2023
	@echo
	@echo "Open reports/replay-2023/report.html in a browser (no network needed)."

# Tune the shipped dual-strike policy on 2021-2022 at HB_WEST and check it on 2023, which the search
# never sees; writes reports/dual-strike.tuned.yaml and an HTML report of the search.
tune: deps
	$(SWIFT) build -c release --product curtail
	@echo
	$(RELEASE_BIN)/curtail tune --prices $(PRICES) --bitcoin $(BITCOIN) \
	  --policy Policies/dual-strike.yaml --train 2021..2022 --test 2023..2023 \
	  --out reports/dual-strike.tuned.yaml --report reports/tune-dual-strike
	@echo
	@echo "Open reports/tune-dual-strike/tuning.html; replay the tuned file with curtail replay --policy reports/dual-strike.tuned.yaml."

# Installs the release binaries, the systemd units (dist/systemd, paths filled in), the service
# user (dist/sysusers.d), the example site and policies (as examples: never over an operator's own
# configuration), shell completions and man pages. DESTDIR stages it (packaging). A unit edited
# since it was installed is not replaced (FORCE=1 does). docs/operations.md.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DATADIR    ?= $(PREFIX)/share
install: deps
	$(SWIFT) build -c release --product curtail
	$(SWIFT) build -c release --product gridsim
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
	  $(DESTDIR)$(DATADIR)/man/man1 $(DESTDIR)$(DATADIR)/bash-completion/completions \
	  $(DESTDIR)$(DATADIR)/zsh/site-functions $(DESTDIR)$(DATADIR)/fish/vendor_completions.d \
	  $(DESTDIR)$(DATADIR)/curtail/examples/sites $(DESTDIR)$(DATADIR)/curtail/examples/broker
	install -m 0755 $(RELEASE_BIN)/curtail $(RELEASE_BIN)/gridsim $(DESTDIR)$(BINDIR)/
	sh dist/install-units.sh $(BINDIR) $(SYSCONFDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/curtail/installed-units $(FORCE)
	install -m 0644 dist/sysusers.d/curtail.conf $(DESTDIR)$(PREFIX)/lib/sysusers.d/curtail.conf
	install -m 0644 dist/man/man1/*.1 $(DESTDIR)$(DATADIR)/man/man1/
	install -m 0644 dist/completions/curtail.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/curtail
	install -m 0644 dist/completions/gridsim.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/gridsim
	install -m 0644 dist/completions/curtail.zsh $(DESTDIR)$(DATADIR)/zsh/site-functions/_curtail
	install -m 0644 dist/completions/gridsim.zsh $(DESTDIR)$(DATADIR)/zsh/site-functions/_gridsim
	install -m 0644 dist/completions/curtail.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/curtail.fish
	install -m 0644 dist/completions/gridsim.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/gridsim.fish
	install -m 0644 Policies/*.yaml $(DESTDIR)$(DATADIR)/curtail/examples/
	install -m 0644 Policies/sites/*.yaml $(DESTDIR)$(DATADIR)/curtail/examples/sites/
	install -m 0644 docs/broker/mosquitto.conf docs/broker/acl-west-texas-1 $(DESTDIR)$(DATADIR)/curtail/examples/broker/
	@# The operator's configuration directory: created, never overwritten.
	install -d -m 0750 $(DESTDIR)$(SYSCONFDIR)/curtail
	@if [ -z "$(DESTDIR)" ] && command -v systemd-sysusers >/dev/null && [ "$$(id -u)" = 0 ]; then systemd-sysusers $(PREFIX)/lib/sysusers.d/curtail.conf; fi
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo
	@echo "Installed. Next: copy $(DATADIR)/curtail/examples/sites/example-west-texas.yaml to $(SYSCONFDIR)/curtail/SITE.yaml"
	@echo "and edit it, check it with 'curtail validate', then 'systemctl enable --now curtail-run@SITE' (docs/operations.md)."

# Regenerates the committed man pages and shell completions from the current commands.
generated: build
	$(SWIFT) package plugin generate-manual --configuration debug --multi-page
	cp .build/plugins/GenerateManual/outputs/curtail/*.1 .build/plugins/GenerateManual/outputs/gridsim/*.1 dist/man/man1/
	rm -f dist/man/man1/*.help.1
	for sh in bash zsh fish; do \
	  .build/debug/curtail --generate-completion-script $$sh > dist/completions/curtail.$$sh; \
	  .build/debug/gridsim --generate-completion-script $$sh > dist/completions/gridsim.$$sh; done

clean:
	rm -rf .build
