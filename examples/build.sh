#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds every example against the INSTALLED libphyr, found through
# pkg-config, into OUTDIR:
#   - examples/NAME.c: a program, OUTDIR/NAME;
#   - examples/iova-policy-NAME.c: an IOVA policy plug-in
#     (<phyr/iova-plugin.h>), the shared object OUTDIR/iova-policy-NAME.so;
#   - OUTDIR/phyr-sim: a link to the installed phyr-sim (when there is one),
#     which examples/run.sh replays the plug-ins' traces with.
#   PKG_CONFIG_PATH=/prefix/lib/.../pkgconfig examples/build.sh OUTDIR
set -eu
here=$(dirname "$0")
out=${1:-.}
mkdir -p "$out"
for src in "$here"/*.c; do
	name=$(basename "$src" .c)
	case $name in
	iova-policy-*)
		# shellcheck disable=SC2046
		${CC:-cc} -std=c11 -Wall -Wextra -shared -fPIC -o "$out/$name.so" "$src" \
			$(pkg-config --cflags phyr)
		;;
	*)
		# shellcheck disable=SC2046
		${CC:-cc} -std=c11 -Wall -Wextra -o "$out/$name" "$src" $(pkg-config --cflags --libs phyr)
		;;
	esac
done
bindir=$(pkg-config --variable=prefix phyr)/bin
if [ -x "$bindir/phyr-sim" ]; then
	ln -sf "$bindir/phyr-sim" "$out/phyr-sim"
fi
