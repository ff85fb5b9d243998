#!/usr/bin/env bash
# Installs footfall on Debian / Raspberry Pi OS from a clone of the repository: builds it, puts it
# in /opt/footfall with a launcher in /usr/local/bin, creates the footfall user, installs the
# systemd units (the daemon's, and the first boot's import of a bundle from the boot partition)
# and (only when there is none) the config, then enables and starts the service.
# Run it again to upgrade: the config in /etc/footfall and the data in /var/lib/footfall stay.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/install.sh [options]

  --destdir DIR   install into DIR as if it were / (a staging tree, e.g. for packaging);
                  no user, no ownership changes, no systemctl
  --prefix DIR    where footfall's files go (default /opt/footfall)
  --node PATH     the Node.js the service and launcher run (default: node on PATH)
  --no-start      enable the service but do not start or restart it
  --no-deps       do not install system packages with apt-get
  --from-build    use this clone's dist/, node_modules/ and build/ as they are instead of
                  running npm ci and npm run build (for tests and packaging of a tree already built)
  --target-node CMD
                  the command that runs the Node.js footfall will run on, to check the new tree
                  (default: node); for a tree built for another architecture, an emulated one,
                  e.g. "qemu-aarch64-static /path/to/arm64/node"
  -h, --help      this text
EOF
}

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
destdir=""
prefix=/opt/footfall
node_bin=""
start=yes
deps=yes
from_build=no
target_node=(node)
args=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --destdir) [ $# -ge 2 ] || die "--destdir needs a directory"; destdir=$2; shift 2 ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; prefix=${2%/}; shift 2 ;;
    --node) [ $# -ge 2 ] || die "--node needs a path"; node_bin=$2; shift 2 ;;
    --no-start) start=no; shift ;;
    --no-deps) deps=no; shift ;;
    --from-build) from_build=yes; shift ;;
    --target-node) [ $# -ge 2 ] || die "--target-node needs a command"; read -ra target_node <<<"$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
  esac
done

# The unit's ProtectHome= and PrivateTmp= hide these trees from the service.
case "$prefix" in
  /home/* | /root/* | /tmp/* | /var/tmp/* | /run/*) die "--prefix $prefix: the service cannot see files there; choose e.g. /opt/footfall" ;;
  /?*) ;;
  *) die "--prefix must be an absolute directory other than /" ;;
esac

# A real install needs root; a staging tree without apt does not.
if [ "$(id -u)" -ne 0 ] && { [ -z "$destdir" ] || [ "$deps" = yes ]; }; then
  command -v sudo >/dev/null || die "run this as root"
  exec sudo -- "$BASH" "$0" "${args[@]}"
fi
# Files must be readable by the footfall user whatever umask root has.
umask 022

if [ -n "$destdir" ]; then
  mkdir -p "$destdir"
  destdir=$(cd "$destdir" && pwd -P)
  [ "$destdir" != / ] || die "--destdir /: leave --destdir out to install into the system"
fi

need_node() {
  cat >&2 <<EOF
install.sh: $1. footfall needs Node.js 20 or newer, with npm:
  Debian 13 (trixie):              apt-get install nodejs npm
  Debian 12 / Raspberry Pi OS 12:  the distribution has Node.js 18; use NodeSource's packages,
                                   see https://github.com/nodesource/distributions
EOF
  exit 1
}
command -v node >/dev/null || need_node "node is not installed"
command -v npm >/dev/null || need_node "npm is not installed"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || need_node "node $(node --version) is too old"
node_bin=${node_bin:-$(command -v node)}
case "$node_bin" in
  /home/* | /root/*) die "the service cannot run $node_bin (ProtectHome=); install Node.js system-wide or pass --node" ;;
esac

# System packages: iw and iproute2 at run time (monitor interface, channels), and to build the
# native modules a compiler, python3 (node-gyp) and the libpcap headers, which bring the library.
install_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  command -v apt-get >/dev/null || die "install ${missing[*]} yourself, then run again with --no-deps"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
if [ "$deps" = yes ]; then
  if [ "$from_build" = yes ]; then
    install_packages iw iproute2
  else
    install_packages iw iproute2 build-essential python3 libpcap-dev
  fi
fi

if [ "$from_build" = no ]; then
  say "building in $repo"
  (cd "$repo" && npm ci --no-audit --no-fund && npm run build)
fi
addon=build/Release/pcap_batch_reader.node
if [ ! -f "$repo/dist/cli/main.js" ] || [ ! -d "$repo/node_modules" ] || [ ! -f "$repo/$addon" ]; then
  die "$repo has no dist/, node_modules/ or $addon: run without --from-build"
fi

# Stage the new tree beside the old one and swap, so that an upgrade never leaves a half-copied
# tree and files removed upstream do not linger. The build and test tools go (not with npm prune,
# which may build the native modules again: see the script). cp -R without -p: the files belong
# to root, not to whoever owns the clone; -H: a node_modules that links to another clone's is
# copied, not linked to.
app=$destdir$prefix
say "installing footfall in $app"
rm -rf "$app.new"
mkdir -p "$app.new"
cp -R -H "$repo/package.json" "$repo/package-lock.json" "$repo/README.md" "$repo/dist" "$repo/config" "$repo/schema" \
  "$repo/node_modules" "$app.new/"
# footfall's own native addon (npm ci built it); node-gyp's intermediate files stay behind.
mkdir -p "$app.new/$(dirname "$addon")"
cp "$repo/$addon" "$app.new/$addon"
node "$repo/scripts/prune-dev-dependencies.mjs" "$app.new"
# At run time the native modules need their .node files alone: node-gyp's intermediate files
# stay behind, and so do the prebuilt binaries for other systems (and for musl, not Debian's glibc).
find "$app.new/node_modules" \( -path '*/build/Release/obj' -o -path '*/build/Release/obj.target' -o -path '*/build/Release/.deps' \) \
  -prune -exec rm -rf {} +
target_platform=linux-$("${target_node[@]}" -p process.arch)
find "$app.new/node_modules" -path '*/prebuilds/*' -prune -type d ! -name "$target_platform" -exec rm -rf {} +
find "$app.new/node_modules" -path '*/prebuilds/*' -name '*.musl.node' -delete
chmod -R u=rwX,go=rX "$app.new"

# The new tree must load and accept the config in place (or the example, on a first install)
# before it replaces the old one: the service would stop at exit 78 otherwise.
conf_dir=$destdir/etc/footfall
conf=$conf_dir/footfall.yaml
checked=$conf
[ -e "$conf" ] || checked=$repo/config/footfall.example.yaml
say "checking $checked with the new footfall"
if ! "${target_node[@]}" "$app.new/dist/cli/main.js" config check --config "$checked"; then
  rm -rf "$app.new"
  die "the new footfall rejects $checked (see above): fix it, then run this again"
fi
if [ -d "$app" ]; then
  rm -rf "$app.old"
  mv "$app" "$app.old"
fi
mv "$app.new" "$app"
rm -rf "$app.old"

launcher=$destdir/usr/local/bin/footfall
say "installing the launcher $launcher"
mkdir -p "$(dirname "$launcher")"
printf '#!/bin/sh\n# footfall launcher, written by scripts/install.sh\nexec %s %s/dist/cli/main.js "$@"\n' \
  "$node_bin" "$prefix" >"$launcher"
chmod 0755 "$launcher"

# The daemon's unit, and the one that imports a bundle from the boot partition at first boot.
units=(footfall.service footfall-firstboot.service)
for name in "${units[@]}"; do
  unit=$destdir/etc/systemd/system/$name
  say "installing the unit $unit"
  mkdir -p "$(dirname "$unit")"
  sed -e "s|^ExecStart=/usr/bin/node |ExecStart=$node_bin |" -e "s|/opt/footfall|$prefix|g" \
    "$repo/systemd/$name" >"$unit"
  chmod 0644 "$unit"
done

if [ -z "$destdir" ]; then
  getent group footfall >/dev/null || { say "creating the group footfall"; groupadd --system footfall; }
  getent passwd footfall >/dev/null || {
    say "creating the user footfall"
    useradd --system --gid footfall --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "footfall sensor daemon" footfall
  }
fi

# The config is root's; the service reads it through its group.
mkdir -p "$conf_dir"
new_config=no
if [ -e "$conf" ]; then
  say "keeping the config $conf"
else
  say "installing the example config as $conf"
  cp "$repo/config/footfall.example.yaml" "$conf"
  new_config=yes
fi
chmod 0750 "$conf_dir"
chmod 0640 "$conf"
[ -n "$destdir" ] || chgrp footfall "$conf_dir" "$conf"

# What to tell the installer at the end about starting it.
start_hint=""
if [ -n "$destdir" ]; then
  say "staged in $destdir: no user, no systemctl"
elif ! command -v systemctl >/dev/null; then
  start_hint="There is no systemctl here: start footfall run with your service manager."
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --quiet "${units[@]}"
  if [ "$start" = yes ]; then
    say "(re)starting footfall.service"
    systemctl restart footfall.service ||
      die "footfall.service did not start: see journalctl -u footfall -n 50, and footfall doctor"
    start_hint="It is running. After editing the config: systemctl restart footfall"
  else
    start_hint="Start it (or restart it, after an upgrade) with: systemctl restart footfall"
  fi
else
  # A chroot, an image being built, or a container: enabling only makes the symlinks, so the
  # service starts at the next boot with systemd.
  systemctl enable --quiet "${units[@]}"
  start_hint="systemd is not running here: footfall.service is enabled and starts at the next boot.
    To run footfall now, as its user with its two capabilities:
      install -d -o footfall -g footfall -m 0700 /run/footfall
      install -d -o footfall -g footfall -m 0750 /var/lib/footfall
      setpriv --reuid=footfall --regid=footfall --init-groups \\
        --inh-caps=+net_raw,+net_admin --ambient-caps=+net_raw,+net_admin footfall run"
fi

echo
say "footfall $(node -p "require('$app/package.json').version") is installed in $app."
[ "$new_config" = no ] || echo "    Edit $conf: capture.wifi.interface, sensor.id, mqtt.url (publishing is off without it)."
if [ -z "$destdir" ]; then
  echo "    $start_hint"
  echo "    Check it with: footfall doctor; footfall status; journalctl -u footfall -f"
fi
