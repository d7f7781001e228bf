#!/bin/sh
# SPDX-License-Identifier: MIT
# slurm.sh PHYR_SIM SBATCH_SCRIPT SWEEP: stands up a one-node Slurm cluster
# (munged, slurmctld, slurmd from Debian's slurmd/slurmctld/slurm-client/
# munge, all state in a temporary directory, ports 46817-46818), runs the
# sweep as a job array with scripts/slurm-sweep.sbatch, and checks that the
# array's result lines equal a serial run's, byte for byte (sorted). Stops
# every daemon it started. Exit 77 (skipped) with a message when Slurm
# cannot be started here (not root, tools missing, daemons refusing).
set -u
sim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") sbatch_script=$2 sweep=$3
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root to start munged, slurmctld and slurmd"
for t in munged slurmctld slurmd sbatch sinfo; do
	command -v "$t" >/dev/null || skip "$t not installed (scripts/deps --check installs slurm)"
done
d=$(mktemp -d /tmp/phyr-slurm.XXXXXX)
chmod 755 "$d"
cleanup() {
	[ -n "${SLURM_CONF:-}" ] && scancel --quiet --user=root 2>/dev/null
	for p in "$d/d.pid" "$d/ctld.pid" "$d/munge/pid"; do
		[ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	sleep 1
	rm -rf "$d"
}
trap cleanup EXIT
host=$(hostname -s)
mkdir -p "$d/munge" "$d/spool/ctld" "$d/spool/d" "$d/log" "$d/res"
dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 700 "$d/munge"
chmod 400 "$d/munge/munge.key"
munged --key-file="$d/munge/munge.key" --socket="$d/munge/sock" \
	--pid-file="$d/munge/pid" --log-file="$d/log/munge.log" \
	--seed-file="$d/munge/seed" -f || skip "munged did not start"
cat >"$d/slurm.conf" <<EOC
ClusterName=phyrtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=46817
SlurmdPort=46818
AuthType=auth/munge
AuthInfo=socket=$d/munge/sock
CredType=cred/munge
StateSaveLocation=$d/spool/ctld
SlurmdSpoolDir=$d/spool/d
SlurmctldPidFile=$d/ctld.pid
SlurmdPidFile=$d/d.pid
SlurmctldLogFile=$d/log/ctld.log
SlurmdLogFile=$d/log/d.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOC
export SLURM_CONF="$d/slurm.conf"
slurmctld -f "$SLURM_CONF" || skip "slurmctld did not start: $(tail -n 3 "$d/log/ctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || skip "slurmd did not start: $(tail -n 3 "$d/log/d.log" 2>/dev/null)"
i=0
until sinfo -h -o %T 2>/dev/null | grep -q idle; do
	i=$((i + 1))
	[ $i -lt 30 ] || skip "the node did not come up: $(sinfo 2>&1 | tail -n 2)"
	sleep 1
done

n=$("$sim" sweep "$sweep" --list | wc -l)
[ "$n" -ge 4 ] || fail "the sweep has $n points, expected at least 4"
PHYR_SIM=$sim sbatch --wait --quiet --array=0-$((n - 1)) --chdir="$d" --export=ALL \
	"$sbatch_script" "$sweep" "$d/res" || fail "sbatch --wait failed: $(cat "$d"/phyr-sweep-*.log 2>/dev/null)"
cat "$d"/res/*.jsonl | sort >"$d/array"
"$sim" sweep "$sweep" | sort >"$d/serial" || fail "the serial run failed"
cmp "$d/array" "$d/serial" || fail "the job array's lines differ from the serial run's"
"$sim" sweep merge "$sweep" "$d"/res/*.jsonl >/dev/null || fail "merge of the array's files failed"
echo "ok: $n array tasks = serial run"
