# debian.sh - where the project's scripts get Debian's packages from: the
# host's own apt configuration, so that nothing is hard-coded. Sourced by
# offline-builder.sh and vm-check.sh.
#   debian_mirror SUITE  prints the mirror to debootstrap SUITE from:
#                        $LAB_DEBIAN_MIRROR, else the host's source serving
#                        SUITE, else its first source that is not a security
#                        archive (a bookworm host's deb.debian.org serves
#                        trixie too). Fails when there is none.
#   debian_proxy         exports apt's http proxy as http_proxy, if apt has
#                        one and the environment does not.

# Print "URI SUITE" for every enabled `deb` source, in apt's reading order.
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '
			{ sub(/#.*/, "") }
			$1 == "deb" {
				line = $0
				sub(/^[ \t]*deb[ \t]+/, "", line)
				if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
				n = split(line, f, /[ \t]+/)
				if (n >= 2) print f[1], f[2]
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
			function flush(   i, j, nu, ns, u, s) {
				if (uris != "" && (" " types " ") ~ / deb / && enabled != "no") {
					nu = split(uris, u, " "); ns = split(suites, s, " ")
					for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
				}
				types = uris = suites = enabled = last = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ {
				if (last == "uris") uris = uris " " $0
				else if (last == "suites") suites = suites " " $0
				next
			}
			{
				key = tolower($0); sub(/:.*/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val); gsub(/[ \t]+/, " ", val)
				last = key
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = tolower(val)
			}
			END { flush() }' "$f"
	done
}

debian_mirror() {
	local suite="$1" mirror="${LAB_DEBIAN_MIRROR:-}" sources
	if [ -z "$mirror" ]; then
		sources="$(apt_sources | awk '$1 ~ /^(https?|file):/')"
		# First choice: a source serving exactly the suite (never -security).
		mirror="$(awk -v s="$suite" '$2 == s { print $1; exit }' <<<"$sources")"
		# Fallback: the first source that is not a security archive.
		[ -n "$mirror" ] || mirror="$(awk '$2 !~ /-security$/ && $1 !~ /security/ { print $1; exit }' <<<"$sources")"
	fi
	[ -n "$mirror" ] || return 1
	printf '%s\n' "${mirror%/}"
}

debian_proxy() {
	if [ -z "${http_proxy:-}" ] && command -v apt-config >/dev/null 2>&1; then
		eval "$(apt-config shell http_proxy Acquire::http::Proxy)"
		[ -z "${http_proxy:-}" ] || export http_proxy
	fi
}
