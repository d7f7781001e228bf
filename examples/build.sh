#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds every example against the INSTALLED libphyr, found through
# pkg-config, into OUTDIR (one program per examples/NAME.c, named NAME):
#   PKG_CONFIG_PATH=/prefix/lib/.../pkgconfig examples/build.sh OUTDIR
set -eu
here=$(dirname "$0")
out=${1:-.}
mkdir -p "$out"
for src in "$here"/*.c; do
	name=$(basename "$src" .c)
	# shellcheck disable=SC2046
	${CC:-cc} -std=c11 -Wall -Wextra -o "$out/$name" "$src" $(pkg-config --cflags --libs phyr)
done
