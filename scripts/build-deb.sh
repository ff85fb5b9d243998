#!/usr/bin/env bash
# Builds footfall_<version>_<arch>.deb from a staging tree made by install.sh --destdir. The
# package holds the native modules built here, so build it on the architecture it is for (on a
# Raspberry Pi, or an arm64/armhf builder). Set DEBFULLNAME and DEBEMAIL to name the maintainer.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/build-deb.sh [options]

  --out DIR       where the .deb goes (default .cache/deb in the clone)
  --no-deps       do not install the build's system packages with apt-get
  --from-build    package this clone's dist/, node_modules/ and build/ as they are (no npm ci)
  -h, --help      this text
EOF
}

die() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
out=$repo/.cache/deb
install_args=(--no-start --node /usr/bin/node)
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
    --no-deps | --from-build) install_args+=("$1"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
  esac
done
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing: this builds Debian packages on Debian"

version=$(node -p "require('$repo/package.json').version")
arch=$(dpkg --print-architecture)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The staging root becomes the package's "./": it must have the mode of /.
chmod 0755 "$stage"
"$repo/scripts/install.sh" --destdir "$stage" "${install_args[@]}"

# Debian's places for a package's files: /etc/systemd/system and /usr/local are the administrator's.
(
  cd "$stage"
  mkdir -p lib/systemd/system usr/bin
  mv etc/systemd/system/footfall.service lib/systemd/system/
  mv usr/local/bin/footfall usr/bin/
  rmdir -p etc/systemd/system usr/local/bin 2>/dev/null || true
)

mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<EOF
Package: footfall
Version: $version
Architecture: $arch
Maintainer: ${DEBFULLNAME:-footfall packager} <${DEBEMAIL:-root@localhost}>
Installed-Size: $(du -sk "$stage" | cut -f1)
Depends: nodejs (>= 20), libpcap0.8 | libpcap0.8t64, iw, iproute2
Section: net
Priority: optional
Description: private footfall counter for Wi-Fi and BLE, publishing over MQTT
 footfall runs on a Raspberry-Pi-class sensor: it hears Wi-Fi probe requests and BLE
 advertisements, turns every device address into a keyed, window-scoped token on the
 sensor and publishes aggregate counts per window over MQTT. Raw addresses never leave it.
EOF
echo /etc/footfall/footfall.yaml >"$stage/DEBIAN/conffiles"

# postinst: the user, the config's group, then enable on first install (an upgrade keeps the
# administrator's choice) and start, or restart a running service after an upgrade.
cat >"$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
[ "$1" = configure ] || exit 0
getent group footfall >/dev/null || groupadd --system footfall
getent passwd footfall >/dev/null || useradd --system --gid footfall --no-create-home \
  --home-dir /nonexistent --shell /usr/sbin/nologin --comment "footfall sensor daemon" footfall
chgrp footfall /etc/footfall /etc/footfall/footfall.yaml
command -v systemctl >/dev/null || exit 0
[ -n "$2" ] || systemctl enable --quiet footfall.service
[ -d /run/systemd/system ] || exit 0
systemctl daemon-reload
if [ -n "$2" ]; then
  systemctl try-restart footfall.service
else
  systemctl start footfall.service || echo "footfall did not start: see journalctl -u footfall" >&2
fi
EOF

cat >"$stage/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
# On upgrade the service keeps running and postinst restarts it.
[ "$1" = remove ] || exit 0
command -v systemctl >/dev/null || exit 0
if [ -d /run/systemd/system ]; then
  systemctl disable --now --quiet footfall.service
else
  systemctl disable --quiet footfall.service
fi
EOF

cat >"$stage/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
[ "$1" = purge ] || exit 0
# dpkg removes the conffile; the data, other files in /etc/footfall and the user go too.
rm -rf /var/lib/footfall /etc/footfall
if getent passwd footfall >/dev/null; then userdel footfall; fi
if getent group footfall >/dev/null; then groupdel footfall; fi
EOF
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"

mkdir -p "$out"
deb=$out/footfall_${version}_${arch}.deb
# zstd: a twentieth of xz's time for a slightly larger file; dpkg reads it since Debian 12.
dpkg-deb --root-owner-group -Zzstd --build "$stage" "$deb" >/dev/null
echo "built $deb"
