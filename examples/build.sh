#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the example against the INSTALLED libphyr, found through pkg-config:
#   PKG_CONFIG_PATH=/prefix/lib/.../pkgconfig examples/build.sh OUTPUT
set -eu
here=$(dirname "$0")
out=${1:-phyr-example}
# shellcheck disable=SC2046
exec ${CC:-cc} -std=c11 -Wall -Wextra -o "$out" "$here/phyr-example.c" $(pkg-config --cflags --libs phyr)
