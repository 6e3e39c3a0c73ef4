#!/usr/bin/env bash
# Incremental developer build without pip: builds build/dev-NAME and lays out an importable
# package there (symlinks to python/ember plus the fresh _C module). Usage:
#   tools/dev_build.sh NAME [cmake args...]  then  PYTHONPATH=build/dev-NAME/pkg pytest ...
set -euo pipefail
name=${1:-main}; shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/dev-$name
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
[ -f "$dir/build.ninja" ] || cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DEMBER_BUILD_TESTS=ON -Dpybind11_DIR="$(python3 -m pybind11 --cmakedir)" "${launcher[@]}" "$@" >/dev/null
cmake --build "$dir" -j 2
pkg=$dir/pkg/ember
rm -rf "$dir/pkg"; mkdir -p "$pkg"
for f in "$root"/python/ember/*; do ln -s "$f" "$pkg/"; done
ln -sf "$dir"/_C*.so "$pkg/"
echo "PYTHONPATH=$dir/pkg"
