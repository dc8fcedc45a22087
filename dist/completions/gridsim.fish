function __gridsim_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __gridsim_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __gridsim_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __gridsim_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __gridsim_parse_tokens -S
    set -l unparsed_tokens (__gridsim_tokens -pc)
    switch $unparsed_tokens[1]
    case 'gridsim'
        __gridsim_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'play'
            __gridsim_parse_subcommand 0 'scenario=' 'broker=' 'site=' 'data=' 'speed=' 'seed=' 'delay=' 'miners=' 'h/help'
        case 'miners'
            __gridsim_parse_subcommand 0 'config=' 'inventory=' 'faults=' 'cgi-delay=' 'speed=' 'password=' 'control=' 'h/help'
        case 'apis'
            __gridsim_parse_subcommand 0 'broker=' 'start=' 'speed=' 'port=' 'prices=' 'node=' 'bitcoin=' 'h/help'
        case 'help'
            __gridsim_parse_subcommand -r 1 
        end
    end
end

function __gridsim_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __gridsim_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __gridsim_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __gridsim_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__gridsim_tokens -p)
    if test -z "$(__gridsim_tokens -t)"
        set -l index (count (__gridsim_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'gridsim' -f
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_positional "gridsim" -eq 1' -fa 'play' -d 'Play a grid scenario over MQTT: prices, events, alerts, frequency, and the site\'s miner controllers.'
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_positional "gridsim" -eq 1' -fa 'miners' -d 'Serve fake miners (LuxOS, Braiins OS, stock Antminer) for every miner of an inventory.'
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_positional "gridsim" -eq 1' -fa 'apis' -d 'Serve a fake ERCOT public API and a fake mempool API from real history on a simulated clock.'
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_positional "gridsim" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" scenario' -l 'scenario' -d 'Scenario file (YAML), e.g. Simulator/Scenarios/ercot-2023-09-06.yaml.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" broker' -l 'broker' -d 'Broker address, mqtt://HOST:PORT.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" site' -l 'site' -d 'Site file (default: the scenario\'s site).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" data' -l 'data' -d 'Directory of the data the scenario names (prices, Bitcoin): the full history, or the repository\'s data/ excerpt (default: ../shared/data when it exists, else data).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" speed' -l 'speed' -d 'Simulated seconds per wall-clock second (default: the scenario\'s; 1440 = a day in a minute).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" seed' -l 'seed' -d 'Random seed (default: the scenario\'s).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" delay' -l 'delay' -d 'Wall-clock seconds before simulated time starts (lets a controller connect first).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" miners' -l 'miners' -d 'A miner inventory: serve its miners as fakes (as gridsim miners does, at the scenario\'s speed) and leave their groups to curtail agent --sim-clock.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim play" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" config' -l 'config' -d 'The site file whose groups the inventory names.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" inventory' -l 'inventory' -d 'The miner inventory (YAML).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" faults' -l 'faults' -d 'Fault rates per request, e.g. unreachable=0.02,slow=0.05,garbage=0.01,lie=0.02,hang=0.001.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" cgi-delay' -l 'cgi-delay' -d 'Wall seconds the Antminer CGI takes to answer set_miner_conf (real firmware: up to ~20).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" speed' -l 'speed' -d 'Simulated seconds per wall second (sleep and wake times shrink by it).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" password' -l 'password' -d 'The password the fakes accept (user root).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" control' -l 'control' -d 'Serve every fake\'s state as JSON on GET http://HOST:PORT/miners (for tests), e.g. 127.0.0.1:9470.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim miners" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" broker' -l 'broker' -d 'Broker to announce the simulated clock on (sim/clock, retained).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" start' -l 'start' -d 'Simulated start, ISO-8601 UTC.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" speed' -l 'speed' -d 'Simulated seconds per wall second.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" port' -l 'port' -d 'Port of the ERCOT API; the mempool API listens on the next one.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" prices' -l 'prices' -d 'Settlement point prices: the single-node file or the multi-hub gzip file.' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" node' -l 'node' -d 'The settlement point served (a column of --prices when it has several).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" bitcoin' -l 'bitcoin' -d 'Daily Bitcoin network history (btc_daily.csv).' -rfka ''
complete -c 'gridsim' -n '__gridsim_should_offer_completions_for_flags_or_options "gridsim apis" h help' -s 'h' -l 'help' -d 'Show help information.'
