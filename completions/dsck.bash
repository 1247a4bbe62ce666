# bash completion for dsck. Options are read from `dsck COMMAND --help`, so
# they never drift from the tool.
_dsck()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local commands="preflight version config status ls get inspect snapshot migrate diff
		verify-migrate check help explain"
	# Global options may come before the command (docs/conventions.md): skip
	# them, and the value of those that take one, to find the command word.
	local valued=" --endpoints --cacert --cert --key --user --password-file --dial-timeout
		--command-timeout --config --kubeconfig --k8s-api-endpoint --k8s-token --k8s-cacert
		--max-response-bytes -o --output --api --prefix --ignore --page-size --to
		--on-conflict --max-txn-ops --max-request-bytes --before --from-dir --junit "
	local ci=1
	while ((ci < COMP_CWORD)) && [[ ${COMP_WORDS[ci]} == -* ]]; do
		[[ $valued == *" ${COMP_WORDS[ci]} "* ]] && ((ci++))
		((ci++))
	done
	local cmd=${COMP_WORDS[ci]:-} sub=""

	case $cmd in
	snapshot) sub="save verify restore" ;;
	check) sub="pre-migrate v2-content calico-upgrade k8s-crd-migration policy-semantics node-roll" ;;
	migrate) sub="v2-to-v3" ;;
	esac
	if ((COMP_CWORD == ci)) && [[ $cur != -* ]]; then
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		return
	fi
	if ((COMP_CWORD == ci + 1)) && [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W "${commands/help/}" -- "$cur"))
		return
	fi
	if ((COMP_CWORD == ci + 1)) && [[ -n $sub ]]; then
		COMPREPLY=($(compgen -W "$sub" -- "$cur"))
		return
	fi
	if [[ $cmd == explain ]] && ((COMP_CWORD == 2)); then
		COMPREPLY=($(compgen -W "$(dsck explain 2>/dev/null | grep -E '^[a-z0-9-]+$')" -- "$cur"))
		return
	fi
	case $prev in
	--datastore-type) COMPREPLY=($(compgen -W "etcdv2 kubernetes" -- "$cur")); return ;;
	--api|--to) COMPREPLY=($(compgen -W "v2 v3" -- "$cur")); return ;;
	-o|--output) COMPREPLY=($(compgen -W "table json" -- "$cur")); return ;;
	--on-conflict) COMPREPLY=($(compgen -W "fail skip overwrite" -- "$cur")); return ;;
	--phase) COMPREPLY=($(compgen -W "auto before after" -- "$cur")); return ;;
	--cacert|--cert|--key|--password-file|--config|--kubeconfig|--before|--junit|--k8s-cacert|\
	--v1-snapshot|--v3-snapshot)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--from-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		local words=("${COMP_WORDS[ci]}")
		[[ -n $sub ]] && words+=("${COMP_WORDS[ci + 1]}")
		local opts
		opts=$("${COMP_WORDS[0]}" "${words[@]}" --help 2>/dev/null |
			grep -E -- '^ +(-[a-z], )?--[a-z]' | grep -oE -- '--[a-z0-9-]+' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	diff) COMPREPLY=($(compgen -W "v2 v3" -- "$cur") $(compgen -f -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _dsck dsck
