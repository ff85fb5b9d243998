#!/usr/bin/env bash
# Removes what scripts/install.sh installed: stops and disables the service, removes the units, the
# launcher and /opt/footfall. The config (/etc/footfall) and the data (/var/lib/footfall) stay
# unless --purge, which also removes them and the footfall user.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/uninstall.sh [options]

  --destdir DIR   remove from a staging tree made by install.sh --destdir DIR
  --prefix DIR    where footfall's files are (default /opt/footfall)
  --purge         also remove /etc/footfall, /var/lib/footfall and the footfall user
  -h, --help      this text
EOF
}

say() { printf '==> %s\n' "$*"; }
die() { printf 'uninstall.sh: %s\n' "$*" >&2; exit 1; }

destdir=""
prefix=/opt/footfall
purge=no
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --destdir) [ $# -ge 2 ] || die "--destdir needs a directory"; destdir=$2; shift 2 ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=${2%/}; shift 2 ;;
    --purge) purge=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
  esac
done
case "$prefix" in
  /?*) ;;
  *) die "--prefix must be an absolute directory other than /" ;;
esac

if [ -n "$destdir" ]; then
  [ -d "$destdir" ] || die "--destdir $destdir does not exist"
  destdir=$(cd "$destdir" && pwd -P)
  [ "$destdir" != / ] || die "--destdir /: leave --destdir out to uninstall from the system"
elif [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "run this as root"
  exec sudo -- "$BASH" "$0" "${args[@]}"
fi

unit=$destdir/etc/systemd/system/footfall.service
first_boot_unit=$destdir/etc/systemd/system/footfall-firstboot.service
if [ -z "$destdir" ] && command -v systemctl >/dev/null && [ -e "$unit" ]; then
  if [ -d /run/systemd/system ]; then
    say "stopping and disabling footfall.service"
    systemctl disable --now --quiet footfall.service
  else
    systemctl disable --quiet footfall.service
  fi
  [ ! -e "$first_boot_unit" ] || systemctl disable --quiet footfall-firstboot.service
fi

remove() {
  if [ -e "$1" ] || [ -L "$1" ]; then
    say "removing $1"
    rm -rf "$1"
  fi
}
remove "$unit"
remove "$first_boot_unit"
remove "$destdir/usr/local/bin/footfall"
# Only a tree that is footfall's: a wrong --prefix must not wipe something else.
app=$destdir$prefix
if [ -d "$app" ] && ! grep -qs '"name": "footfall"' "$app/package.json"; then
  die "$app does not hold footfall (no package.json naming it): left alone"
fi
remove "$app"
[ -z "$destdir" ] && [ -d /run/systemd/system ] && systemctl daemon-reload

if [ "$purge" = yes ]; then
  remove "$destdir/etc/footfall"
  remove "$destdir/var/lib/footfall"
  remove "$destdir/run/footfall"
  if [ -z "$destdir" ] && getent passwd footfall >/dev/null; then
    say "removing the user footfall"
    userdel footfall
  fi
  if [ -z "$destdir" ] && getent group footfall >/dev/null; then
    groupdel footfall
  fi
  say "footfall is gone, with its config and data"
else
  say "footfall is removed; kept $destdir/etc/footfall and $destdir/var/lib/footfall (remove them with --purge)"
fi
