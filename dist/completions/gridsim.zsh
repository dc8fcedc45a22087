#compdef gridsim

__gridsim_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__gridsim_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __gridsim_complete "${completions[@]:0:-1}"
    fi
}

__gridsim_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_gridsim() {
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
            'play:Play a grid scenario over MQTT: prices, events, alerts, frequency, and the site'\''s miner controllers.'
            'miners:Serve fake miners (LuxOS, Braiins OS, stock Antminer) for every miner of an inventory.'
            'apis:Serve a fake ERCOT public API and a fake mempool API from real history on a simulated clock.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        play|miners|apis|help)
            "_gridsim_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_gridsim_play() {
    local -i ret=1
    local -ar arg_specs=(
        '--scenario[Scenario file (YAML), e.g. Simulator/Scenarios/ercot-2023-09-06.yaml.]:scenario:'
        '--broker[Broker address, mqtt\://HOST\:PORT.]:broker:'
        '--site[Site file (default\: the scenario'\''s site).]:site:'
        '--data[Directory of the data the scenario names (prices, Bitcoin)\: the full history, or the repository'\''s data/ excerpt (default\: ../shared/data when it exists, else data).]:dir:'
        '--speed[Simulated seconds per wall-clock second (default\: the scenario'\''s; 1440 = a day in a minute).]:speed:'
        '--seed[Random seed (default\: the scenario'\''s).]:seed:'
        '--delay[Wall-clock seconds before simulated time starts (lets a controller connect first).]:delay:'
        '--miners[A miner inventory\: serve its miners as fakes (as gridsim miners does, at the scenario'\''s speed) and leave their groups to curtail agent --sim-clock.]:miners:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_gridsim_miners() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[The site file whose groups the inventory names.]:config:'
        '--inventory[The miner inventory (YAML).]:inventory:'
        '--faults[Fault rates per request, e.g. unreachable=0.02,slow=0.05,garbage=0.01,lie=0.02,hang=0.001.]:faults:'
        '--cgi-delay[Wall seconds the Antminer CGI takes to answer set_miner_conf (real firmware\: up to ~20).]:cgi-delay:'
        '--speed[Simulated seconds per wall second (sleep and wake times shrink by it).]:speed:'
        '--password[The password the fakes accept (user root).]:password:'
        '--control[Serve every fake'\''s state as JSON on GET http\://HOST\:PORT/miners (for tests), e.g. 127.0.0.1\:9470.]:control:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_gridsim_apis() {
    local -i ret=1
    local -ar arg_specs=(
        '--broker[Broker to announce the simulated clock on (sim/clock, retained).]:broker:'
        '--start[Simulated start, ISO-8601 UTC.]:start:'
        '--speed[Simulated seconds per wall second.]:speed:'
        '--port[Port of the ERCOT API; the mempool API listens on the next one.]:port:'
        '--prices[Settlement point prices\: the single-node file or the multi-hub gzip file.]:prices:'
        '--node[The settlement point served (a column of --prices when it has several).]:node:'
        '--bitcoin[Daily Bitcoin network history (btc_daily.csv).]:bitcoin:'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_gridsim_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _gridsim ]]; then
    _gridsim "${@}"
else
    compdef _gridsim gridsim
fi
