#!/usr/bin/env bash
# vm-check.sh - the lab on current Linux: a Debian 13 guest that the project
# boots itself (kernel 6.12, cgroup v2, Debian's Docker Engine and Compose
# v2), with the lab run inside it against the guest's own engine.
#
# What:
#   1. the guest's disk: debootstrap of Debian 13 (minbase, a kernel,
#      systemd, docker.io, docker-compose, containerd, runc), with
#      scripts/vm/serverlab-guest.service enabled, made into an ext4 image
#      (mkfs.ext4 -d). Cached in $LAB_VM_DIR under a name made of its
#      inputs' hash (suite, packages, the unit, this recipe): made again when
#      one changes. Each boot writes to a qcow2 layer over it, thrown away.
#   2. the share (9p, the guest has no network): the lab built static from
#      this tree, the lab's images (`lab build` here, `docker save` here,
#      `docker load` in the guest: nothing is built or pulled there), the
#      tree's files for Compose, scripts/vm/guest.sh and what it is to run.
#   3. the boot: KVM when /dev/kvm works, TCG otherwise. A KVM guest that
#      stops before it reaches guest.sh ("KVM internal error", or qemu
#      aborting on "failed to set MSR", as under nested hypervisors) is
#      booted again under TCG; a guest that crashes before guest.sh ends is
#      booted once more if the time allows. The acceleration goes into the
#      records.
#   4. in the guest (scripts/vm/guest.sh): `lab run` of the selection, then
#      `docker compose up` (Compose v2, Debian's) of a smaller one, a
#      playground service asked for /hello, and a cgroup v2 tree recorded.
#   5. back here: the records, the guest's log and console, the cgroup tree,
#      in OUT; `lab report` judges them again.
#
# Usage: scripts/vm-check.sh [--force] [--strict] [--out DIR] [EXPERIMENT...]
#   --force   make the guest's disk again even if its inputs are unchanged
#   --strict  fail on a finding too (an experiment not reproduced in the guest)
#   --out     where the guest's records go (default results/vm)
#   EXPERIMENT...  the lab run's selection (default: $vm_default below)
# Environment:
#   LAB_VM_DIR       the cache of disks and runs (default /var/tmp/serverlab-vm)
#   LAB_VM_ACCEL     kvm or tcg: skip the probe
#   LAB_VM_TIMEOUT   minutes the guest may run (default 80)
#   LAB_VM_MEMORY    the guest's memory in MiB (default 4096)
#   LAB_VM_COMPOSE   the experiments of `docker compose up` in the guest
#   LAB_DEBIAN_MIRROR  as for offline-builder.sh (default: the host's)
#   LAB_BUILDER, LAB_PYTHON_IMAGE  as for `lab build`
# Needs: root (debootstrap, mounts), Docker, Go; installs qemu-system-x86,
# qemu-utils and debootstrap with apt-get when missing.
# Exit status: 0 when the guest ran every step and every experiment of the
# selection ran to a verdict; 1 otherwise, the last line on stderr saying
# why ("vm-check: FAIL: ..."). An experiment not reproduced in the guest is
# a finding: listed with its reasons, and a failure only with --strict.
# Under TCG a step's own deadline (a probe's moment, a client's timeout)
# can pass before the emulated server has done its part; the timed checks
# are shown and not judged there (experiment.JudgeOn), these are not.

set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

log() { printf 'vm-check: %s\n' "$*" >&2; }
die() { printf 'vm-check: FAIL: %s\n' "$*" >&2; exit 1; }

# The selection: an experiment for each reader of the host. The cgroup's
# CPU and memory (the sampler: slow-clients; CPU per request: throughput),
# pids limits and zombies (zombies, process-limit, sigchld-coalescing), the
# pinned nofile and EMFILE (fd-exhaustion), EINTR (eintr), a socket's inode
# in two processes (client-hang), the listen queue (backlog), /proc through
# the agent (all of them), every specimen on both wires (hello), Python's
# WSGI server and its frameworks (wsgi-apps).
vm_default="hello zombies process-limit fd-exhaustion eintr client-hang sigchld-coalescing backlog slow-clients throughput wsgi-apps"
compose_default="zombies eintr"
# The guest's recipe: raise it whenever how the disk is made changes.
recipe=1
suite=trixie
packages="linux-image-amd64,systemd-sysv,udev,kmod,e2fsprogs,procps,curl,ca-certificates,docker.io,docker-cli,docker-compose,containerd,runc,iptables"

force=0
strict=0
out="$root/results/vm"
selection=()
while [ "$#" -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--strict) strict=1 ;;
	--out)
		[ "$#" -ge 2 ] || die "--out needs a directory"
		out="$2"
		shift
		;;
	--out=*) out="${1#--out=}" ;;
	-h | --help)
		sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	-*) die "unknown flag: $1" ;;
	*) selection+=("$1") ;;
	esac
	shift
done
[ "${#selection[@]}" -gt 0 ] || read -r -a selection <<<"$vm_default"
case "$out" in /*) ;; *) out="$root/$out" ;; esac

vm_dir="${LAB_VM_DIR:-/var/tmp/serverlab-vm}"
timeout_min="${LAB_VM_TIMEOUT:-80}"
memory="${LAB_VM_MEMORY:-4096}"
mkdir -p "$vm_dir"

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, mount)"
[ "$(uname -m)" = x86_64 ] || die "the guest is amd64; this host is $(uname -m)"
docker info >/dev/null 2>&1 || die "the Docker daemon does not answer"
command -v go >/dev/null 2>&1 || die "go not found"

# --- tools --------------------------------------------------------------------

need=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
	log "installing ${need[*]}"
	apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null ||
		die "apt-get install ${need[*]} failed"
fi
# mkfs.ext4 -d (a disk filled from a folder) is e2fsprogs 1.43 and later.
case "$(mkfs.ext4 2>&1 || true)" in *"-d root-directory"*) ;; *) die "mkfs.ext4 has no -d (e2fsprogs 1.43 or later)" ;; esac

# --- the guest's disk ------------------------------------------------------------

unit="$root/scripts/vm/serverlab-guest.service"
key="$(printf '%s\n' "$recipe" "$suite" "$packages" | cat - "$unit" | sha256sum | cut -c1-16)"
disk="$vm_dir/disk-$key.img"
kernel="$vm_dir/vmlinuz-$key"
initrd="$vm_dir/initrd-$key"

make_disk() {
	local rootfs="$vm_dir/rootfs-$key" mirror start=$SECONDS
	# shellcheck source=lib/debian.sh
	. "$root/scripts/lib/debian.sh"
	mirror="$(debian_mirror "$suite")" || die "no Debian mirror found in /etc/apt/sources.list{,.d}; set LAB_DEBIAN_MIRROR"
	debian_proxy
	umount_below "$rootfs"
	rm -rf --one-file-system "$rootfs"
	local keyring=()
	[ -s /usr/share/keyrings/debian-archive-keyring.gpg ] &&
		keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
	log "debootstrap $suite (minbase + $packages) from $mirror"
	if ! debootstrap --variant=minbase "${keyring[@]}" --include="$packages" \
		"$suite" "$rootfs" "$mirror" >"$vm_dir/debootstrap.log" 2>&1; then
		tail -n 30 "$vm_dir/debootstrap.log" >&2
		umount_below "$rootfs"
		die "debootstrap failed (log: $vm_dir/debootstrap.log)"
	fi
	umount_below "$rootfs"
	log "debootstrap done in $((SECONDS - start)) s"

	echo serverlab-guest >"$rootfs/etc/hostname"
	printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$rootfs/etc/fstab"
	install -m 0644 "$unit" "$rootfs/etc/systemd/system/serverlab-guest.service"
	ln -sf /etc/systemd/system/serverlab-guest.service \
		"$rootfs/etc/systemd/system/multi-user.target.wants/serverlab-guest.service"
	# No network: nothing may wait for one, or fetch anything.
	local t
	for t in apt-daily.timer apt-daily-upgrade.timer systemd-networkd-wait-online.service getty@tty1.service; do
		ln -sf /dev/null "$rootfs/etc/systemd/system/$t"
	done
	rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*

	cp "$(ls "$rootfs"/boot/vmlinuz-* | sort -V | tail -n 1)" "$kernel.tmp"
	cp "$(ls "$rootfs"/boot/initrd.img-* | sort -V | tail -n 1)" "$initrd.tmp"
	# Room for the lab's images and what the experiments write.
	rm -f "$disk.tmp"
	mkfs.ext4 -q -L serverlab -d "$rootfs" "$disk.tmp" 8G || die "mkfs.ext4 -d failed"
	mv "$kernel.tmp" "$kernel"
	mv "$initrd.tmp" "$initrd"
	mv "$disk.tmp" "$disk"
	rm -rf --one-file-system "$rootfs"
	# Disks of other inputs are of no more use: one guest's disk is 2 GB.
	local f
	for f in "$vm_dir"/disk-*.img "$vm_dir"/vmlinuz-* "$vm_dir"/initrd-*; do
		case "$f" in *"$key"*) ;; *) rm -f "$f" ;; esac
	done
	log "disk made in $((SECONDS - start)) s: $disk"
}

# umount_below DIR: what debootstrap may leave mounted inside DIR, deepest first.
umount_below() {
	local mp
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
}

if [ "$force" = 1 ] || [ ! -s "$disk" ] || [ ! -s "$kernel" ] || [ ! -s "$initrd" ]; then
	make_disk
else
	log "disk $disk (cached; its inputs are unchanged)"
fi

# --- the share ---------------------------------------------------------------------

run="$(mktemp -d "$vm_dir/run.XXXXXX")"
share="$run/share"
mkdir -p "$share/records"
qemu_pid=""
cleanup() {
	local rc=$?
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null || true
	rm -rf "$run"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "the lab, static, from this tree"
CGO_ENABLED=0 go build -buildvcs=auto -o "$share/lab" ./harness/cmd/lab || die "go build failed"
log "the lab's images (lab build; nothing is built in the guest)"
"$share/lab" build >"$run/build.log" 2>&1 || { tail -n 20 "$run/build.log" >&2; die "lab build failed"; }
# Compose's lab service is the lab image under the name compose.yaml gives it.
docker tag serverlab/lab:dev serverlab/lab:compose
mapfile -t images < <(docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^serverlab/[a-z0-9-]+:(dev|compose)$' | sort)
[ "${#images[@]}" -gt 0 ] || die "no serverlab/*:dev image after lab build"
log "docker save ${#images[@]} images"
docker save -o "$share/images.tar" "${images[@]}" || die "docker save failed"
git ls-files -z -co --exclude-standard | tar --null -T - -cf "$share/src.tar" || die "tar of the tree failed"
install -m 0755 scripts/vm/guest.sh "$share/guest.sh"

# --- the boot ------------------------------------------------------------------------

# boot ACCEL: runs the guest to its end; 0 when it powered off by itself,
# 2 when KVM stopped it at once (try TCG), 1 otherwise.
boot() {
	local accel="$1" accel_opt cpu deadline
	{
		printf 'LAB_ACCEL=%q\n' "$accel"
		printf 'LAB_EXPERIMENTS=%q\n' "${selection[*]}"
		printf 'LAB_VM_COMPOSE=%q\n' "${LAB_VM_COMPOSE:-$compose_default}"
	} >"$share/env"
	rm -f "$share/booted" "$run/layer.qcow2"
	qemu-img create -q -f qcow2 -b "$disk" -F raw "$run/layer.qcow2" || die "qemu-img create failed"
	# TCG runs both vCPUs on one host thread (thread=single): with a thread
	# each, the guest's kernel died here at boot of an int3 Oops while it
	# patched its own code (devcgroup_check_permission, kernel 6.12).
	case "$accel" in kvm) accel_opt=kvm cpu=host ;; *) accel_opt=tcg,thread=single cpu=max ;; esac
	log "booting under $accel (console: $run/console.log)"
	qemu-system-x86_64 -accel "$accel_opt" -cpu "$cpu" -smp 2 -m "$memory" \
		-nic none -display none -monitor none -serial "file:$run/console.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "root=/dev/vda rw console=ttyS0 systemd.show_status=1 panic=-1" \
		-no-reboot \
		-drive "file=$run/layer.qcow2,if=virtio,format=qcow2" \
		-virtfs "local,path=$share,mount_tag=io,security_model=none,id=io" \
		2>"$run/qemu.log" &
	qemu_pid=$!
	deadline=$((SECONDS + timeout_min * 60))
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if [ "$accel" = kvm ] && grep -q "KVM internal error\|emulation failure" "$run/qemu.log" 2>/dev/null; then
			kill "$qemu_pid"
			wait "$qemu_pid" 2>/dev/null || true
			qemu_pid=""
			log "KVM stopped the guest at once: $(grep -m1 -o 'emulation failure\|KVM internal error.*' "$run/qemu.log")"
			return 2
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			kill "$qemu_pid"
			qemu_pid=""
			log "the guest ran past $timeout_min min"
			return 1
		fi
		sleep 5
	done
	local status=0
	wait "$qemu_pid" || status=$?
	qemu_pid=""
	# Under KVM, a guest that never reached guest.sh is KVM's failure, in
	# whatever way it stopped: an internal error, or qemu aborting as it
	# set the vCPUs' registers up ("failed to set MSR", seen here too).
	if [ "$accel" = kvm ] && [ ! -e "$share/booted" ]; then
		log "KVM could not run the guest: $(grep -v '^$' "$run/qemu.log" | tail -n 2 | tr '\n' ' ')"
		return 2
	fi
	[ "$status" = 0 ] || { log "qemu failed: $(tail -n 3 "$run/qemu.log")"; return 1; }
	return 0
}

accel="${LAB_VM_ACCEL:-}"
if [ -z "$accel" ]; then
	accel=tcg
	[ -r /dev/kvm ] && [ -w /dev/kvm ] && accel=kvm
fi
start=$SECONDS
set +e
boot "$accel"
rc=$?
if [ "$rc" = 2 ]; then
	accel=tcg
	boot tcg
	rc=$?
fi
# A guest that powered off before guest.sh ended has crashed (its kernel
# panicked: panic=-1 and -no-reboot end qemu): its console says why. It is
# booted once more when the time left allows a whole run.
if [ "$rc" = 0 ] && [ ! -f "$share/rc" ]; then
	log "the guest stopped before guest.sh ended; its console's last lines:"
	tail -n 25 "$run/console.log" >&2 || true
	cp "$run/console.log" "$run/console-first.log" 2>/dev/null || true
	if [ $((SECONDS - start)) -lt $((timeout_min * 60 / 2)) ]; then
		log "booting it once more"
		rm -rf "$share/records" "$share/fixture" "$share/guest.log"
		mkdir -p "$share/records"
		boot "$accel"
		rc=$?
	fi
fi
set -e
took=$((SECONDS - start))

# --- what came back --------------------------------------------------------------------

rm -rf "$out"
mkdir -p "$out"
cp -r "$share/records/." "$out/"
for f in guest.log fixture; do [ -e "$share/$f" ] && cp -r "$share/$f" "$out/"; done
cp "$run/console.log" "$out/console.log" 2>/dev/null || true
cp "$run/console-first.log" "$out/console-first.log" 2>/dev/null || true
[ "$rc" = 0 ] || { tail -n 20 "$out/guest.log" >&2 2>/dev/null || tail -n 30 "$out/console.log" >&2; die "the guest did not finish (see $out)"; }
[ -f "$share/rc" ] || { tail -n 20 "$out/guest.log" >&2; tail -n 25 "$out/console.log" >&2; die "the guest powered off before guest.sh ended (see $out/guest.log)"; }
guest_rc="$(cat "$share/rc")"
log "the guest ran under $accel for $((took / 60)) min $((took % 60)) s; guest.sh: $guest_rc"
grep -h '^summary' "$out/guest.log" >&2 || true
[ "$guest_rc" = 0 ] || die "guest.sh: $(grep -h 'guest: FAIL' "$out/guest.log" | tr '\n' ' ')"
# Every experiment of the selection has a record with a verdict.
missing=()
for e in "${selection[@]}"; do [ -s "$out/lab/$e.json" ] || missing+=("$e"); done
[ "${#missing[@]}" = 0 ] || die "no record of ${missing[*]}"
"$share/lab" report --dir "$out/lab" --reference "" >/dev/null || die "lab report of the guest's records failed"
# The verdicts, from the report's table: | [name](#anchor) | **verdict** | ...
findings="$(awk -F'|' '/^\| \[/ { name = $2; sub(/^ *\[/, "", name); sub(/\].*/, "", name)
	v = $3; gsub(/[* ]+/, " ", v); sub(/^ /, "", v); sub(/ $/, "", v)
	if (v != "reproduced") print name ": " v }' "$out/lab/REPORT.md")"
if [ -n "$findings" ]; then
	log "findings (not reproduced in the guest; reasons in $out/lab/REPORT.md):"
	printf '  %s\n' "$findings" >&2
	case "$findings" in *inconclusive*) die "an experiment could not be decided in the guest" ;; esac
	[ "$strict" = 0 ] || die "--strict: not every experiment reproduced in the guest"
fi
log "ok: records in $out"
