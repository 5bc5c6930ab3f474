#!/usr/bin/env bash
# guest.sh - what scripts/vm-check.sh's guest runs, from the 9p share at
# /mnt/io, started by serverlab-guest.service (which powers off after it).
#
# The share holds: env (LAB_ACCEL, LAB_EXPERIMENTS, LAB_VM_COMPOSE), lab
# (static), images.tar (docker save of the lab's images), src.tar (the
# tree's files). It writes back: records/lab (lab run of LAB_EXPERIMENTS),
# records/compose (docker compose up of LAB_VM_COMPOSE), fixture/cgroup-v2
# (a specimen's cgroup as the agent reads it), and rc: 0 when every step
# passed, else the number of steps that failed. Its output is guest.log.
set -uo pipefail

io=/mnt/io
# shellcheck disable=SC1091
. "$io/env"
export LAB_ACCEL LAB_EXPERIMENTS
export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
touch "$io/booted"

failed=0
step() { printf '\nguest: == %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }
fail() { printf 'guest: FAIL: %s\n' "$*"; failed=$((failed + 1)); }
summary() { printf 'summary: %s\n' "$*"; }

step "the guest"
printf 'kernel %s, %s\n' "$(uname -r)" "$(. /etc/os-release && echo "$PRETTY_NAME")"
printf '/sys/fs/cgroup: %s, controllers: %s\n' "$(stat -fc %T /sys/fs/cgroup)" "$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)"
printf 'virtualisation: %s (the host says %s)\n' "$(systemd-detect-virt 2>/dev/null || echo none)" "$LAB_ACCEL"
printf 'cpus %s, memory %s\n' "$(nproc)" "$(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"

step "docker"
for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 2; done
docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}, client {{.Client.Version}}' || { fail "docker does not answer"; }
docker info --format 'cgroup driver {{.CgroupDriver}}, cgroup v{{.CgroupVersion}}, storage {{.Driver}}, security {{.SecurityOptions}}'
docker compose version || fail "no docker compose (v2) plugin"

step "docker load"
start=$SECONDS
docker load -i "$io/images.tar" | tail -n 3 || fail "docker load"
echo "loaded in $((SECONDS - start)) s"
cp "$io/lab" /usr/local/bin/lab
mkdir -p /root/serverlab && tar -xf "$io/src.tar" -C /root/serverlab || fail "tar -x src.tar"
cd /root/serverlab || exit 1

step "lab run $LAB_EXPERIMENTS"
start=$SECONDS
mkdir -p "$io/records/lab"
lab run --no-build --out "$io/records/lab" --reference "" || fail "lab run"
summary "lab run ($LAB_EXPERIMENTS): $((SECONDS - start)) s"

step "docker compose up (LAB_EXPERIMENTS=$LAB_VM_COMPOSE)"
start=$SECONDS
rm -rf results/*.json
if LAB_NO_BUILD=1 LAB_EXPERIMENTS="$LAB_VM_COMPOSE" docker compose up --no-build --pull never; then
	mkdir -p "$io/records/compose"
	cp results/*.json "$io/records/compose/" || fail "docker compose up left no records"
	lab report --dir "$io/records/compose" --reference "" --strict >/dev/null || fail "docker compose up: not every experiment reproduced"
else
	fail "docker compose up"
fi
docker compose down >/dev/null 2>&1
summary "docker compose up ($LAB_VM_COMPOSE): $((SECONDS - start)) s"

step "docker compose --profile play up -d webserver3c"
if docker compose --profile play up -d --no-build --pull never webserver3c; then
	reply=""
	for _ in $(seq 30); do
		reply="$(curl -sS --max-time 10 http://127.0.0.1:8804/hello 2>&1)" && break
		sleep 1
	done
	printf 'curl http://127.0.0.1:8804/hello: %s\n' "$reply"
	case "$reply" in *"Hello, World!"*) summary "playground webserver3c answered" ;; *) fail "webserver3c did not answer /hello" ;; esac
else
	fail "docker compose --profile play up webserver3c"
fi
docker compose --profile play down >/dev/null 2>&1

step "the cgroup v2 fixture"
# webserver3c's specimen (a child per connection, never reaped) after five
# requests: five zombies, which the pids controller counts. Read while it
# lives, as the agent reads it: through /proc/PID/root/sys/fs/cgroup.
fixture="$io/fixture/cgroup-v2"
mkdir -p "$fixture"
run_args=(--user 10004:10004 --pids-limit 400 --memory 256m --memory-swap 256m --cpus 1 --ulimit nofile=1024:1024)
id="$(docker run -d "${run_args[@]}" serverlab/forking:dev --backlog 5 --wire seed --port 8888)"
ip="$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$id")"
for _ in $(seq 20); do curl -s --max-time 2 "http://$ip:8888/hello" >/dev/null 2>&1 && break; sleep 0.5; done
for _ in $(seq 4); do curl -s --max-time 2 "http://$ip:8888/hello" >/dev/null 2>&1; done
sleep 1
pid="$(docker inspect -f '{{.State.Pid}}' "$id")"
dir="/proc/$pid/root/sys/fs/cgroup"
if [ "$pid" -gt 0 ] && [ -f "$dir/cgroup.controllers" ]; then
	for f in "$dir"/*; do
		[ -f "$f" ] && [ -r "$f" ] || continue
		cat "$f" >"$fixture/$(basename "$f")" 2>/dev/null || rm -f "$fixture/$(basename "$f")"
	done
	{
		printf 'engine %s, kernel %s, %s\n' "$(docker version --format '{{.Server.Version}}')" "$(uname -r)" "$(. /etc/os-release && echo "$PRETTY_NAME")"
		printf 'docker run %s serverlab/forking:dev --backlog 5 --wire seed, then 5 requests\n' "${run_args[*]}"
		printf '/proc/PID/cgroup: %s\n' "$(cat "/proc/$pid/cgroup")"
		printf 'read through /proc/PID/root/sys/fs/cgroup (%s)\n' "$(stat -fc %T "$dir")"
		printf 'its processes (state): %s\n' "$(ps -o stat= --ppid "$pid" | sort | uniq -c | tr -s ' \n' ' ')"
	} >"$fixture.txt"
	echo "$(ls "$fixture" | wc -l) files; pids.current $(cat "$fixture/pids.current"), memory.max $(cat "$fixture/memory.max")"
else
	fail "the fixture's specimen is not running (pid $pid)"
fi
docker logs "$id" >"$fixture.log" 2>&1
docker rm -f "$id" >/dev/null

step "end"
summary "$failed step(s) failed"
sync
echo "$failed" >"$io/rc"
sync
