#compdef curtail

__curtail_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__curtail_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __curtail_complete "${completions[@]:0:-1}"
    fi
}

__curtail_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_curtail() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'validate:Check policy and site files.'
            'breakeven:Print the break-even power price of a miner model, in USD/MWh.'
            'replay:Backtest a policy on historical prices against always-on and a perfect-foresight oracle.'
            'tune:Tune a policy'\''s parameters on past prices and validate them out of sample.'
            'run:Run the live controller for a site until SIGTERM/SIGINT.'
            'agent:Drive a site'\''s miners (LuxOS, Braiins OS, stock Antminer) from the controller'\''s group commands, until SIGTERM/SIGINT.'
            'feed:Publish real inputs on MQTT: ERCOT prices and grid conditions, the Bitcoin hash price.'
            'openadr:Run the site'\''s OpenADR VEN (2.0b or 3.1): the VTN'\''s events become grid events, alerts and prices; reports go back.'
            'log:Print or export what the controller'\''s audit database recorded (commands, decisions, inputs, events, notes).'
            'doctor:Check what a site needs before it goes live; prints a checklist with what to do for each failure, exit 1 if any fails.'
            'demo:Run the controller against the grid simulator on a real ERCOT day, through a local mosquitto.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        validate|breakeven|replay|tune|run|agent|feed|openadr|log|doctor|demo|help)
            "_curtail_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_curtail_validate() {
    local -i ret=1
    local -ar arg_specs=(
        '*:files:'
        '--miners[A miner inventory (YAML) to check against the site file given.]:miners:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_breakeven() {
    local -i ret=1
    local -ar arg_specs=(
        '--model[Miner model\: catalogue id or name, e.g. antminer-s19j-pro or "S19j Pro".]:model:'
        '--hashprice[Hash price in USD per TH/s per day (Luxor'\''s index per PH/s/day divided by 1000).]:hashprice:'
        '--pool-fee[Pool fee as a fraction, e.g. 0.02 for 2 %.]:pool-fee:'
        '--power-w[Power per miner in W (default\: nameplate); must lie on the model'\''s curve.]:power-w:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_replay() {
    local -i ret=1
    local -ar arg_specs=(
        '--prices[Price CSV\: interval_start_utc then one column per node (gzip accepted).]:prices:'
        '--bitcoin[Bitcoin daily CSV (date,btc_usd,difficulty,...) with the hash price.]:bitcoin:'
        '--node[Price column to read from a multi-node file (e.g. HB_NORTH). Default\: the only column, else the site'\''s node.]:node:'
        '--day-ahead[Day-ahead hourly price CSV (for policies with price\: da or da_price rules).]:day-ahead:'
        '--four-cp[ERCOT 4CP intervals CSV\: transmission charges (site transmission_usd_per_kw_year) and 4CP obligations met or missed.]:four-cp:'
        '--system-load[ERCOT hourly system load CSV, to derive causal 4CP alerts.]:system-load:'
        '--ancillary[Hourly ancillary clearing prices CSV (interval_start_utc,REGUP,REGDN,RRS,NSPIN,ECRS)\: awards, held reserve and capacity revenue.]:ancillary:'
        '--grid-events[Grid events CSV (event_type,eea_level,start_utc,end_utc,…)\: EEA levels; awarded reserve is deployed during an EEA.]:grid-events:'
        '--deployments-per-year[Synthetic deployments of awarded reserve\: expected instructions per product per year (default 0\: none besides EEAs).]:deployments-per-year:'
        '--deployment-seed[Seed of the synthetic deployments.]:deployment-seed:'
        '--policy[Policy file (YAML).]:policy:'
        '--site[Site file (YAML); default\: the site the policy names.]:site:'
        '*--set[Set a policy parameter\: NAME=VALUE (repeatable).]:set:'
        '--from[First day (local) or time (UTC, ISO-8601). Default\: start of the price file.]:from:'
        '--to[Last day (local, inclusive) or end time (exclusive). Default\: end of the price file.]:to:'
        '--json[Print the summary as JSON on stdout.]'
        '--report[Write intervals.csv and report.html (self-contained, with charts) into this directory.]:report:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_tune() {
    local -i ret=1
    local -ar arg_specs=(
        '--policy[Policy file (YAML).]:policy:'
        '--site[Site file (YAML); default\: the site the policy names.]:site:'
        '*--set[Set a policy parameter\: NAME=VALUE (repeatable).]:set:'
        '--prices[Price CSV\: interval_start_utc then one column per node (gzip accepted).]:prices:'
        '--bitcoin[Bitcoin daily CSV (date,btc_usd,difficulty,...) with the hash price.]:bitcoin:'
        '--node[Price column to read from a multi-node file (e.g. HB_NORTH). Default\: the only column, else the site'\''s node.]:node:'
        '--day-ahead[Day-ahead hourly price CSV (for policies with price\: da or da_price rules).]:day-ahead:'
        '--four-cp[ERCOT 4CP intervals CSV\: transmission charges (site transmission_usd_per_kw_year) and 4CP obligations met or missed.]:four-cp:'
        '--system-load[ERCOT hourly system load CSV, to derive causal 4CP alerts.]:system-load:'
        '--ancillary[Hourly ancillary clearing prices CSV (interval_start_utc,REGUP,REGDN,RRS,NSPIN,ECRS)\: awards, held reserve and capacity revenue.]:ancillary:'
        '--grid-events[Grid events CSV (event_type,eea_level,start_utc,end_utc,…)\: EEA levels; awarded reserve is deployed during an EEA.]:grid-events:'
        '--deployments-per-year[Synthetic deployments of awarded reserve\: expected instructions per product per year (default 0\: none besides EEAs).]:deployments-per-year:'
        '--deployment-seed[Seed of the synthetic deployments.]:deployment-seed:'
        '--train[Training window, A..B (years, local dates or ISO-8601 times).]:train:'
        '--test[Test window, A..B; must not overlap the training window.]:test:'
        '--out[Where to write the tuned policy. Default\: next to the policy, as NAME.tuned.yaml.]:out:'
        '--budget[Most candidates to evaluate per search, the defaults included.]:budget:'
        '--seed[Seed of the random search (the same seed gives the same tuned file).]:seed:'
        '--jobs[Worker tasks. Default\: one per core.]:jobs:'
        '*--tune[Search only this parameter (repeatable). Default\: every tunable parameter.]:tune:'
        '*--range[Narrow a parameter'\''s search range\: NAME=MIN..MAX (repeatable).]:range:'
        '--rolling[Also run walk-forward folds\: for each year after the first, tune on the years before it and test on it.]'
        '--json[Print the report as JSON on stdout.]'
        '--report[Write tuning.html (charts of the objective) and candidates.csv into this directory.]:report:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_run() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Site file (YAML), e.g. Policies/sites/example-west-texas.yaml.]:config:'
        '--broker[Broker address, mqtt\://HOST\:PORT; overrides the site file'\''s mqtt.broker.]:broker:'
        '--policy[Policy file (default\: the site file'\''s policy).]:policy:'
        '--instance[This controller instance'\''s name, unique per site (default\: the lowest free number on this host, 1, 2, ...). The MQTT client id is curtail-SITE-HOST-INSTANCE unless the site file sets mqtt.client_id.]:instance:'
        '*--set[Override a policy parameter\: NAME=VALUE (repeatable).]:set:'
        '--sim-clock[Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.]'
        '--audit-db[The audit database (SQLite)\: every input, decision and command, and what a restart resumes (default\: curtail-audit-SITE.sqlite for instance 1, curtail-audit-SITE-INSTANCE.sqlite otherwise).]:audit-db:'
        '--no-audit[Run without an audit database (nothing recorded, a restart resumes only what the broker retained).]'
        '--metrics[Serve the live page (/), /metrics (Prometheus) and /healthz on HOST\:PORT, or '\''off'\''.]:metrics:'
        '--live-page[Serve the read-only live page at / on the --metrics address\: on (default; loopback only), behind-proxy (any address, for a reverse proxy that adds TLS and authentication; docs/controller.md), or off.]:on|behind-proxy|off:'
        '--log-level[Log level\: trace, debug, info, notice, warning, error, critical.]:log-level:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_agent() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Site file (YAML), e.g. Policies/sites/example-west-texas.yaml.]:config:'
        '--miners[The miner inventory (YAML), e.g. Policies/sites/example-west-texas-miners.yaml.]:miners:'
        '--broker[Broker address, mqtt\://HOST\:PORT; overrides the site file'\''s mqtt.broker.]:broker:'
        '--mqtt-username[MQTT user name for this process (default\: the site file'\''s mqtt.username); the broker'\''s ACL may give it its own.]:mqtt-username:'
        '--mqtt-password-file[File whose first line is the password of --mqtt-username (default\: the site file'\''s mqtt.password_file).]:mqtt-password-file:'
        '--sim-clock[Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.]'
        '--metrics[Serve /metrics (Prometheus) and /healthz on HOST\:PORT, or '\''off'\''.]:metrics:'
        '--log-level[Log level\: trace, debug, info, notice, warning, error, critical.]:log-level:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_feed() {
    local -i ret=1
    local -ar arg_specs=(
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'ercot:Poll ERCOT'\''s public API for the site'\''s node and publish its prices (provisional SCED, final settlement), until SIGTERM/SIGINT.'
            'hashprice:Compute the hash price from a mempool-style API and publish it on mining/hashprice, until SIGTERM/SIGINT.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        ercot|hashprice)
            "_curtail_feed_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_curtail_feed_ercot() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Site file (YAML)\: its node is the settlement point, its mqtt\: section the broker.]:config:'
        '--api-base[The API'\''s base URL (another server\: a proxy, a test server).]:api-base:'
        '--token-url[The ROPC token endpoint.]:token-url:'
        '--credentials[YAML file with username, password and subscription_key (default\: the ERCOT_API_* environment variables).]:credentials:'
        '--broker[Broker address, mqtt\://HOST\:PORT; overrides the site file'\''s mqtt.broker.]:broker:'
        '--grid-conditions[The grid-conditions dashboard JSON to read the emergency level from (e.g. https\://www.ercot.com/api/1/services/read/dashboards/daily-prc.json).]:grid-conditions:'
        '--sced-period[Seconds between SCED price polls (at least 100, ERCOT'\''s limit).]:sced-period:'
        '--settlement-period[Seconds between settlement price polls (at least 300, ERCOT'\''s limit).]:settlement-period:'
        '--sim-clock[Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.]'
        '--mqtt-username[MQTT user name for this process (default\: the site file'\''s mqtt.username); the broker'\''s ACL may give it its own.]:mqtt-username:'
        '--mqtt-password-file[File whose first line is the password of --mqtt-username (default\: the site file'\''s mqtt.password_file).]:mqtt-password-file:'
        '--metrics[Serve /metrics (Prometheus) and /healthz on HOST\:PORT, or '\''off'\''.]:metrics:'
        '--log-level[Log level\: trace, debug, info, notice, warning, error, critical.]:log-level:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_feed_hashprice() {
    local -i ret=1
    local -ar arg_specs=(
        '--source[The mempool-style API'\''s base URL.]:source:'
        '--broker[Broker address, mqtt\://HOST\:PORT (default\: the site file'\''s, else mqtt\://127.0.0.1\:1883).]:broker:'
        '--config[Site file (YAML) for the broker, its credentials and mqtt.hashprice_topic (optional).]:config:'
        '--period[Seconds between polls (at least 60).]:period:'
        '--sim-clock[Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.]'
        '--mqtt-username[MQTT user name for this process (default\: the site file'\''s mqtt.username); the broker'\''s ACL may give it its own.]:mqtt-username:'
        '--mqtt-password-file[File whose first line is the password of --mqtt-username (default\: the site file'\''s mqtt.password_file).]:mqtt-password-file:'
        '--metrics[Serve /metrics (Prometheus) and /healthz on HOST\:PORT, or '\''off'\''.]:metrics:'
        '--log-level[Log level\: trace, debug, info, notice, warning, error, critical.]:log-level:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_openadr() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Site file (YAML) with an openadr\: section; its mqtt\: section names the broker.]:config:'
        '--broker[Broker address, mqtt\://HOST\:PORT; overrides the site file'\''s mqtt.broker.]:broker:'
        '--mqtt-username[MQTT user name for this process (default\: the site file'\''s mqtt.username); the broker'\''s ACL may give it its own.]:mqtt-username:'
        '--mqtt-password-file[File whose first line is the password of --mqtt-username (default\: the site file'\''s mqtt.password_file).]:mqtt-password-file:'
        '--log-level[Log level\: trace, debug, info, notice, warning, error, critical.]:log-level:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_log() {
    local -i ret=1
    local -ar arg_specs=(
        '--db[The audit database written by `curtail run`.]:db:'
        '--table[What to list\: inputs, decisions, commands, events, notes.]:table:'
        '--from[From this time (inclusive; default\: the beginning).]:from:'
        '--to[To this time (exclusive; default\: the end).]:to:'
        '--csv[Print CSV (RFC 4180) instead of an aligned table.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_doctor() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Site file (YAML), as curtail run reads it.]:config:'
        '--miners[The miner inventory (YAML); adds the checks that need it.]:miners:'
        '--broker[Broker address, mqtt\://HOST\:PORT or mqtts\://; overrides the site file'\''s mqtt.broker.]:broker:'
        '--audit-db[Where curtail run keeps its audit database (default\: as curtail run).]:audit-db:'
        '--mqtt-username[MQTT user name for this process (default\: the site file'\''s mqtt.username); the broker'\''s ACL may give it its own.]:mqtt-username:'
        '--mqtt-password-file[File whose first line is the password of --mqtt-username (default\: the site file'\''s mqtt.password_file).]:mqtt-password-file:'
        '--log-level[Log level\: trace, debug, info, notice, warning, error, critical.]:log-level:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_demo() {
    local -i ret=1
    local -ar arg_specs=(
        '--scenario[Scenario file.]:scenario:'
        '--site[Site file (default\: the scenario'\''s site).]:site:'
        '--data[Directory of the data the scenario names (prices, Bitcoin)\: the full history, or the repository'\''s data/ excerpt (default\: ../shared/data when it exists, else data).]:dir:'
        '--speed[Simulated seconds per wall-clock second (default\: the scenario'\''s; 1440 = a day in a minute).]:speed:'
        '--groups[Run a site of this many groups of 100 miners (cycling the site'\''s models) instead of the site as is.]:groups:'
        '--miners[A miner inventory for the site\: its miners are served as fake LuxOS, Braiins OS and stock Antminer miners on their loopback addresses and driven by curtail agent over TCP and HTTP (their groups are then not simulated). E.g. --scenario Simulator/Scenarios/ercot-2023-09-06-lab.yaml --miners Policies/sites/example-west-texas-lab-miners.yaml.]:miners:'
        '--plain[Print a line per simulated hour instead of the live table (the default when stdout is not a terminal).]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_curtail_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _curtail ]]; then
    _curtail "${@}"
else
    compdef _curtail curtail
fi
