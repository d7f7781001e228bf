#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds tests/subproject-consumer in a temporary directory with libphyr as
# its subproject (subprojects/libphyr -> the source tree, no download),
# statically, runs it and compares its output with expected.txt; then
# checks that libphyr, as a subproject, built no phyr-sim, tests or
# benchmarks and linked no libphyr.so into the program.
#   run.sh SOURCE_ROOT MESON NINJA
set -u
src=$1 meson=$2 ninja=$3
here=$src/tests/subproject-consumer
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "subproject-consumer: $*"; exit 1; }

mkdir -p "$tmp/consumer/subprojects"
cp "$here/meson.build" "$here/main.c" "$tmp/consumer/" || exit 1
ln -s "$src" "$tmp/consumer/subprojects/libphyr" || exit 1
# --force-fallback-for: use the subproject even where an installed
# phyr.pc exists; --wrap-mode=nodownload: never touch the network
if ! "$meson" setup "$tmp/build" "$tmp/consumer" --force-fallback-for=phyr \
	--wrap-mode=nodownload -Dbuildtype=debugoptimized >"$tmp/setup.log" 2>&1; then
	cat "$tmp/setup.log"; fail "meson setup failed"
fi
"$ninja" -C "$tmp/build" -j 2 >"$tmp/build.log" 2>&1 || { tail -n 40 "$tmp/build.log"; fail "build failed"; }
"$tmp/build/consumer" >"$tmp/out" || { cat "$tmp/out"; fail "the consumer failed"; }
diff -u "$here/expected.txt" "$tmp/out" || fail "output differs from expected.txt"

sub=$tmp/build/subprojects/libphyr
[ -f "$sub/src/libphyr.a" ] || fail "no static libphyr.a in $sub/src"
for d in sim tests bench; do
	[ -e "$sub/$d" ] && fail "libphyr as a subproject built $d/"
done
for f in "$sub"/src/*phyr-internal*; do
	[ -e "$f" ] && fail "libphyr as a subproject built the internal library ($f)"
done
if command -v ldd >/dev/null; then
	ldd "$tmp/build/consumer" | grep -q 'libphyr\.so' && fail "the consumer links libphyr.so, not the static library"
fi
echo "subproject-consumer: output as expected, static, no tests/sim/bench built"
exit 0
