#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every example built by examples/build.sh in OUTDIR; an example with
# an examples/NAME.expected file must print exactly that on stdout. An IOVA
# policy plug-in (examples/iova-policy-NAME.c) runs as
#   phyr-sim iova replay --policy-plugin OUTDIR/iova-policy-NAME.so examples/iova-policy-NAME.trace
# with OUTDIR/phyr-sim (else $PHYR_SIM, else phyr-sim from PATH).
#   LD_LIBRARY_PATH=/prefix/lib/... examples/run.sh OUTDIR
set -u
here=$(dirname "$0")
out=${1:-.}
status=0
sim=${PHYR_SIM:-phyr-sim}
[ -x "$out/phyr-sim" ] && sim=$out/phyr-sim
for src in "$here"/*.c; do
	name=$(basename "$src" .c)
	case $name in
	iova-policy-*)
		set -- "$sim" iova replay --policy-plugin "$out/$name.so" "$here/$name.trace"
		;;
	*)
		set -- "$out/$name"
		;;
	esac
	if ! "$@" >"$out/$name.out"; then
		echo "examples: $name failed"
		status=1
		continue
	fi
	if [ -f "$here/$name.expected" ]; then
		if diff -u "$here/$name.expected" "$out/$name.out"; then
			echo "examples: $name: output as expected"
		else
			echo "examples: $name: output differs from $name.expected"
			status=1
		fi
	else
		echo "examples: $name: ok"
	fi
done
exit $status
