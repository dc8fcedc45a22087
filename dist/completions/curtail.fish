function __curtail_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __curtail_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __curtail_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __curtail_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __curtail_parse_tokens -S
    set -l unparsed_tokens (__curtail_tokens -pc)
    switch $unparsed_tokens[1]
    case 'curtail'
        __curtail_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'validate'
            __curtail_parse_subcommand -r 1 'miners=' 'h/help'
        case 'breakeven'
            __curtail_parse_subcommand 0 'model=' 'hashprice=' 'pool-fee=' 'power-w=' 'h/help'
        case 'replay'
            __curtail_parse_subcommand 0 'prices=' 'bitcoin=' 'node=' 'day-ahead=' 'four-cp=' 'system-load=' 'ancillary=' 'grid-events=' 'deployments-per-year=' 'deployment-seed=' 'policy=' 'site=' 'set=+' 'from=' 'to=' 'json' 'report=' 'h/help'
        case 'tune'
            __curtail_parse_subcommand 0 'policy=' 'site=' 'set=+' 'prices=' 'bitcoin=' 'node=' 'day-ahead=' 'four-cp=' 'system-load=' 'ancillary=' 'grid-events=' 'deployments-per-year=' 'deployment-seed=' 'train=' 'test=' 'out=' 'budget=' 'seed=' 'jobs=' 'tune=+' 'range=+' 'rolling' 'json' 'report=' 'h/help'
        case 'run'
            __curtail_parse_subcommand 0 'config=' 'broker=' 'policy=' 'instance=' 'set=+' 'sim-clock' 'audit-db=' 'no-audit' 'metrics=' 'live-page=' 'log-level=' 'h/help'
        case 'agent'
            __curtail_parse_subcommand 0 'config=' 'miners=' 'broker=' 'mqtt-username=' 'mqtt-password-file=' 'sim-clock' 'metrics=' 'log-level=' 'h/help'
        case 'feed'
            __curtail_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'ercot'
                __curtail_parse_subcommand 0 'config=' 'api-base=' 'token-url=' 'credentials=' 'broker=' 'grid-conditions=' 'sced-period=' 'settlement-period=' 'sim-clock' 'mqtt-username=' 'mqtt-password-file=' 'metrics=' 'log-level=' 'h/help'
            case 'hashprice'
                __curtail_parse_subcommand 0 'source=' 'broker=' 'config=' 'period=' 'sim-clock' 'mqtt-username=' 'mqtt-password-file=' 'metrics=' 'log-level=' 'h/help'
            end
        case 'openadr'
            __curtail_parse_subcommand 0 'config=' 'broker=' 'mqtt-username=' 'mqtt-password-file=' 'log-level=' 'h/help'
        case 'log'
            __curtail_parse_subcommand 0 'db=' 'table=' 'from=' 'to=' 'csv' 'h/help'
        case 'doctor'
            __curtail_parse_subcommand 0 'config=' 'miners=' 'broker=' 'audit-db=' 'mqtt-username=' 'mqtt-password-file=' 'log-level=' 'h/help'
        case 'demo'
            __curtail_parse_subcommand 0 'scenario=' 'site=' 'data=' 'speed=' 'groups=' 'miners=' 'plain' 'h/help'
        case 'help'
            __curtail_parse_subcommand -r 1 
        end
    end
end

function __curtail_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __curtail_parse_subcommand -S -a positional_count
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

function __curtail_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __curtail_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__curtail_tokens -p)
    if test -z "$(__curtail_tokens -t)"
        set -l index (count (__curtail_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'curtail' -f
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'validate' -d 'Check policy and site files.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'breakeven' -d 'Print the break-even power price of a miner model, in USD/MWh.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'replay' -d 'Backtest a policy on historical prices against always-on and a perfect-foresight oracle.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'tune' -d 'Tune a policy\'s parameters on past prices and validate them out of sample.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'run' -d 'Run the live controller for a site until SIGTERM/SIGINT.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'agent' -d 'Drive a site\'s miners (LuxOS, Braiins OS, stock Antminer) from the controller\'s group commands, until SIGTERM/SIGINT.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'feed' -d 'Publish real inputs on MQTT: ERCOT prices and grid conditions, the Bitcoin hash price.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'openadr' -d 'Run the site\'s OpenADR VEN (2.0b or 3.1): the VTN\'s events become grid events, alerts and prices; reports go back.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'log' -d 'Print or export what the controller\'s audit database recorded (commands, decisions, inputs, events, notes).'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'doctor' -d 'Check what a site needs before it goes live; prints a checklist with what to do for each failure, exit 1 if any fails.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'demo' -d 'Run the controller against the grid simulator on a real ERCOT day, through a local mosquitto.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail validate" miners' -l 'miners' -d 'A miner inventory (YAML) to check against the site file given.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail validate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail breakeven" model' -l 'model' -d 'Miner model: catalogue id or name, e.g. antminer-s19j-pro or "S19j Pro".' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail breakeven" hashprice' -l 'hashprice' -d 'Hash price in USD per TH/s per day (Luxor\'s index per PH/s/day divided by 1000).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail breakeven" pool-fee' -l 'pool-fee' -d 'Pool fee as a fraction, e.g. 0.02 for 2 %.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail breakeven" power-w' -l 'power-w' -d 'Power per miner in W (default: nameplate); must lie on the model\'s curve.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail breakeven" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" prices' -l 'prices' -d 'Price CSV: interval_start_utc then one column per node (gzip accepted).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" bitcoin' -l 'bitcoin' -d 'Bitcoin daily CSV (date,btc_usd,difficulty,...) with the hash price.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" node' -l 'node' -d 'Price column to read from a multi-node file (e.g. HB_NORTH). Default: the only column, else the site\'s node.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" day-ahead' -l 'day-ahead' -d 'Day-ahead hourly price CSV (for policies with price: da or da_price rules).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" four-cp' -l 'four-cp' -d 'ERCOT 4CP intervals CSV: transmission charges (site transmission_usd_per_kw_year) and 4CP obligations met or missed.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" system-load' -l 'system-load' -d 'ERCOT hourly system load CSV, to derive causal 4CP alerts.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" ancillary' -l 'ancillary' -d 'Hourly ancillary clearing prices CSV (interval_start_utc,REGUP,REGDN,RRS,NSPIN,ECRS): awards, held reserve and capacity revenue.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" grid-events' -l 'grid-events' -d 'Grid events CSV (event_type,eea_level,start_utc,end_utc,…): EEA levels; awarded reserve is deployed during an EEA.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" deployments-per-year' -l 'deployments-per-year' -d 'Synthetic deployments of awarded reserve: expected instructions per product per year (default 0: none besides EEAs).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" deployment-seed' -l 'deployment-seed' -d 'Seed of the synthetic deployments.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" policy' -l 'policy' -d 'Policy file (YAML).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" site' -l 'site' -d 'Site file (YAML); default: the site the policy names.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay"' -l 'set' -d 'Set a policy parameter: NAME=VALUE (repeatable).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" from' -l 'from' -d 'First day (local) or time (UTC, ISO-8601). Default: start of the price file.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" to' -l 'to' -d 'Last day (local, inclusive) or end time (exclusive). Default: end of the price file.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" json' -l 'json' -d 'Print the summary as JSON on stdout.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" report' -l 'report' -d 'Write intervals.csv and report.html (self-contained, with charts) into this directory.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail replay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" policy' -l 'policy' -d 'Policy file (YAML).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" site' -l 'site' -d 'Site file (YAML); default: the site the policy names.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune"' -l 'set' -d 'Set a policy parameter: NAME=VALUE (repeatable).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" prices' -l 'prices' -d 'Price CSV: interval_start_utc then one column per node (gzip accepted).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" bitcoin' -l 'bitcoin' -d 'Bitcoin daily CSV (date,btc_usd,difficulty,...) with the hash price.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" node' -l 'node' -d 'Price column to read from a multi-node file (e.g. HB_NORTH). Default: the only column, else the site\'s node.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" day-ahead' -l 'day-ahead' -d 'Day-ahead hourly price CSV (for policies with price: da or da_price rules).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" four-cp' -l 'four-cp' -d 'ERCOT 4CP intervals CSV: transmission charges (site transmission_usd_per_kw_year) and 4CP obligations met or missed.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" system-load' -l 'system-load' -d 'ERCOT hourly system load CSV, to derive causal 4CP alerts.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" ancillary' -l 'ancillary' -d 'Hourly ancillary clearing prices CSV (interval_start_utc,REGUP,REGDN,RRS,NSPIN,ECRS): awards, held reserve and capacity revenue.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" grid-events' -l 'grid-events' -d 'Grid events CSV (event_type,eea_level,start_utc,end_utc,…): EEA levels; awarded reserve is deployed during an EEA.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" deployments-per-year' -l 'deployments-per-year' -d 'Synthetic deployments of awarded reserve: expected instructions per product per year (default 0: none besides EEAs).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" deployment-seed' -l 'deployment-seed' -d 'Seed of the synthetic deployments.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" train' -l 'train' -d 'Training window, A..B (years, local dates or ISO-8601 times).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" test' -l 'test' -d 'Test window, A..B; must not overlap the training window.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" out' -l 'out' -d 'Where to write the tuned policy. Default: next to the policy, as NAME.tuned.yaml.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" budget' -l 'budget' -d 'Most candidates to evaluate per search, the defaults included.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" seed' -l 'seed' -d 'Seed of the random search (the same seed gives the same tuned file).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" jobs' -l 'jobs' -d 'Worker tasks. Default: one per core.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune"' -l 'tune' -d 'Search only this parameter (repeatable). Default: every tunable parameter.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune"' -l 'range' -d 'Narrow a parameter\'s search range: NAME=MIN..MAX (repeatable).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" rolling' -l 'rolling' -d 'Also run walk-forward folds: for each year after the first, tune on the years before it and test on it.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" json' -l 'json' -d 'Print the report as JSON on stdout.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" report' -l 'report' -d 'Write tuning.html (charts of the objective) and candidates.csv into this directory.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail tune" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" config' -l 'config' -d 'Site file (YAML), e.g. Policies/sites/example-west-texas.yaml.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" broker' -l 'broker' -d 'Broker address, mqtt://HOST:PORT; overrides the site file\'s mqtt.broker.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" policy' -l 'policy' -d 'Policy file (default: the site file\'s policy).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" instance' -l 'instance' -d 'This controller instance\'s name, unique per site (default: the lowest free number on this host, 1, 2, ...). The MQTT client id is curtail-SITE-HOST-INSTANCE unless the site file sets mqtt.client_id.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run"' -l 'set' -d 'Override a policy parameter: NAME=VALUE (repeatable).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" sim-clock' -l 'sim-clock' -d 'Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" audit-db' -l 'audit-db' -d 'The audit database (SQLite): every input, decision and command, and what a restart resumes (default: curtail-audit-SITE.sqlite for instance 1, curtail-audit-SITE-INSTANCE.sqlite otherwise).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" no-audit' -l 'no-audit' -d 'Run without an audit database (nothing recorded, a restart resumes only what the broker retained).'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" metrics' -l 'metrics' -d 'Serve the live page (/), /metrics (Prometheus) and /healthz on HOST:PORT, or \'off\'.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" live-page' -l 'live-page' -d 'Serve the read-only live page at / on the --metrics address: on (default; loopback only), behind-proxy (any address, for a reverse proxy that adds TLS and authentication; docs/controller.md), or off.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" config' -l 'config' -d 'Site file (YAML), e.g. Policies/sites/example-west-texas.yaml.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" miners' -l 'miners' -d 'The miner inventory (YAML), e.g. Policies/sites/example-west-texas-miners.yaml.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" broker' -l 'broker' -d 'Broker address, mqtt://HOST:PORT; overrides the site file\'s mqtt.broker.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" mqtt-username' -l 'mqtt-username' -d 'MQTT user name for this process (default: the site file\'s mqtt.username); the broker\'s ACL may give it its own.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" mqtt-password-file' -l 'mqtt-password-file' -d 'File whose first line is the password of --mqtt-username (default: the site file\'s mqtt.password_file).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" sim-clock' -l 'sim-clock' -d 'Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" metrics' -l 'metrics' -d 'Serve /metrics (Prometheus) and /healthz on HOST:PORT, or \'off\'.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail agent" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail feed" -eq 1' -fa 'ercot' -d 'Poll ERCOT\'s public API for the site\'s node and publish its prices (provisional SCED, final settlement), until SIGTERM/SIGINT.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_positional "curtail feed" -eq 1' -fa 'hashprice' -d 'Compute the hash price from a mempool-style API and publish it on mining/hashprice, until SIGTERM/SIGINT.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" config' -l 'config' -d 'Site file (YAML): its node is the settlement point, its mqtt: section the broker.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" api-base' -l 'api-base' -d 'The API\'s base URL (another server: a proxy, a test server).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" token-url' -l 'token-url' -d 'The ROPC token endpoint.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" credentials' -l 'credentials' -d 'YAML file with username, password and subscription_key (default: the ERCOT_API_* environment variables).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" broker' -l 'broker' -d 'Broker address, mqtt://HOST:PORT; overrides the site file\'s mqtt.broker.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" grid-conditions' -l 'grid-conditions' -d 'The grid-conditions dashboard JSON to read the emergency level from (e.g. https://www.ercot.com/api/1/services/read/dashboards/daily-prc.json).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" sced-period' -l 'sced-period' -d 'Seconds between SCED price polls (at least 100, ERCOT\'s limit).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" settlement-period' -l 'settlement-period' -d 'Seconds between settlement price polls (at least 300, ERCOT\'s limit).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" sim-clock' -l 'sim-clock' -d 'Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" mqtt-username' -l 'mqtt-username' -d 'MQTT user name for this process (default: the site file\'s mqtt.username); the broker\'s ACL may give it its own.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" mqtt-password-file' -l 'mqtt-password-file' -d 'File whose first line is the password of --mqtt-username (default: the site file\'s mqtt.password_file).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" metrics' -l 'metrics' -d 'Serve /metrics (Prometheus) and /healthz on HOST:PORT, or \'off\'.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed ercot" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" source' -l 'source' -d 'The mempool-style API\'s base URL.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" broker' -l 'broker' -d 'Broker address, mqtt://HOST:PORT (default: the site file\'s, else mqtt://127.0.0.1:1883).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" config' -l 'config' -d 'Site file (YAML) for the broker, its credentials and mqtt.hashprice_topic (optional).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" period' -l 'period' -d 'Seconds between polls (at least 60).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" sim-clock' -l 'sim-clock' -d 'Follow the simulated clock a gridsim publishes on sim/clock instead of the wall clock.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" mqtt-username' -l 'mqtt-username' -d 'MQTT user name for this process (default: the site file\'s mqtt.username); the broker\'s ACL may give it its own.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" mqtt-password-file' -l 'mqtt-password-file' -d 'File whose first line is the password of --mqtt-username (default: the site file\'s mqtt.password_file).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" metrics' -l 'metrics' -d 'Serve /metrics (Prometheus) and /healthz on HOST:PORT, or \'off\'.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail feed hashprice" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail openadr" config' -l 'config' -d 'Site file (YAML) with an openadr: section; its mqtt: section names the broker.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail openadr" broker' -l 'broker' -d 'Broker address, mqtt://HOST:PORT; overrides the site file\'s mqtt.broker.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail openadr" mqtt-username' -l 'mqtt-username' -d 'MQTT user name for this process (default: the site file\'s mqtt.username); the broker\'s ACL may give it its own.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail openadr" mqtt-password-file' -l 'mqtt-password-file' -d 'File whose first line is the password of --mqtt-username (default: the site file\'s mqtt.password_file).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail openadr" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail openadr" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail log" db' -l 'db' -d 'The audit database written by `curtail run`.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail log" table' -l 'table' -d 'What to list: inputs, decisions, commands, events, notes.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail log" from' -l 'from' -d 'From this time (inclusive; default: the beginning).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail log" to' -l 'to' -d 'To this time (exclusive; default: the end).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail log" csv' -l 'csv' -d 'Print CSV (RFC 4180) instead of an aligned table.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail log" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" config' -l 'config' -d 'Site file (YAML), as curtail run reads it.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" miners' -l 'miners' -d 'The miner inventory (YAML); adds the checks that need it.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" broker' -l 'broker' -d 'Broker address, mqtt://HOST:PORT or mqtts://; overrides the site file\'s mqtt.broker.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" audit-db' -l 'audit-db' -d 'Where curtail run keeps its audit database (default: as curtail run).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" mqtt-username' -l 'mqtt-username' -d 'MQTT user name for this process (default: the site file\'s mqtt.username); the broker\'s ACL may give it its own.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" mqtt-password-file' -l 'mqtt-password-file' -d 'File whose first line is the password of --mqtt-username (default: the site file\'s mqtt.password_file).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error, critical.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail doctor" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" scenario' -l 'scenario' -d 'Scenario file.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" site' -l 'site' -d 'Site file (default: the scenario\'s site).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" data' -l 'data' -d 'Directory of the data the scenario names (prices, Bitcoin): the full history, or the repository\'s data/ excerpt (default: ../shared/data when it exists, else data).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" speed' -l 'speed' -d 'Simulated seconds per wall-clock second (default: the scenario\'s; 1440 = a day in a minute).' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" groups' -l 'groups' -d 'Run a site of this many groups of 100 miners (cycling the site\'s models) instead of the site as is.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" miners' -l 'miners' -d 'A miner inventory for the site: its miners are served as fake LuxOS, Braiins OS and stock Antminer miners on their loopback addresses and driven by curtail agent over TCP and HTTP (their groups are then not simulated). E.g. --scenario Simulator/Scenarios/ercot-2023-09-06-lab.yaml --miners Policies/sites/example-west-texas-lab-miners.yaml.' -rfka ''
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" plain' -l 'plain' -d 'Print a line per simulated hour instead of the live table (the default when stdout is not a terminal).'
complete -c 'curtail' -n '__curtail_should_offer_completions_for_flags_or_options "curtail demo" h help' -s 'h' -l 'help' -d 'Show help information.'
