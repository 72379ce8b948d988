#!/usr/bin/env bash
# Checks deploy/systemd/mlvcd.service with `systemd-analyze verify`, with the built mlvcd in
# place of /usr/bin/mlvcd (verify requires the program to exist), and fails on anything
# verify says about the unit (unknown settings, bad syntax, a missing program), warnings too.
# Also checks that every variable ExecStart uses is set in deploy/systemd/mlvcd.env.
#   check_systemd_unit.sh SOURCE_DIR MLVCD_BIN
set -euo pipefail
src=${1:?source dir}; mlvcd=${2:?mlvcd binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unit="$work/mlvcd.service"
sed "s|/usr/bin/mlvcd|$mlvcd|g" "$src/deploy/systemd/mlvcd.service" > "$unit"
if ! out=$(systemd-analyze verify "$unit" 2>&1); then
  echo "$out"; echo "check_systemd_unit: systemd-analyze verify failed"; exit 1
fi
# Lines about other units (the machine's own) are not ours to fix.
ours=$(grep -F "$unit" <<<"$out" || true)
if [ -n "$ours" ]; then
  echo "$ours"; echo "check_systemd_unit: systemd-analyze verify complained"; exit 1
fi
missing=0
for var in $(grep -o '\${\?MLVCD_[A-Z_]*' "$unit" | tr -d '${' | sort -u); do
  grep -q "^$var=" "$src/deploy/systemd/mlvcd.env" || { echo "not in mlvcd.env: $var"; missing=1; }
done
[ "$missing" = 0 ] || exit 1
echo "check_systemd_unit: OK"
