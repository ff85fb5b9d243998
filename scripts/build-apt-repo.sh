#!/usr/bin/env bash
# Lays footfall packages (from scripts/build-deb.sh, one per architecture) out as a signed apt
# repository that an installer serves over HTTP (any static web server) or copies to a USB stick:
# pool/, dists/stable/ with Packages per architecture and a Release signed with the repository's
# key (InRelease and Release.gpg), the public key, a footfall.sources for /etc/apt/sources.list.d,
# and cloud-init user-data that sets both up and installs footfall at a sensor's first boot.
# The key is made on the first run (in --key DIR) and used again after, so that sensors that trust
# it keep trusting the repository. Needs dpkg-dev (dpkg-scanpackages) and gpg.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/build-apt-repo.sh --out DIR --key DIR [--url URL] DEB...

  --out DIR     where the repository goes
  --key DIR     the signing key: DIR/archive-key.asc (secret, 0600) and archive-keyring.gpg
                (public); made there when DIR has none. Keep it off the sensors.
  --url URL     where sensors find the repository, for footfall.sources (default: file://DIR)
  --force       replace an existing --out
  -h, --help    this text
EOF
}

die() { printf 'build-apt-repo.sh: %s\n' "$1" >&2; exit "${2:-1}"; }

out=""
key_dir=""
url=""
force=no
debs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || die "--out needs a directory" 64; out=$2; shift 2 ;;
    --key) [ $# -ge 2 ] || die "--key needs a directory" 64; key_dir=$2; shift 2 ;;
    --url) [ $# -ge 2 ] || die "--url needs a URL" 64; url=${2%/}; shift 2 ;;
    --force) force=yes; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; exit 64 ;;
    *) debs+=("$1"); shift ;;
  esac
done
[ -n "$out" ] && [ -n "$key_dir" ] && [ ${#debs[@]} -gt 0 ] || { usage >&2; exit 64; }
command -v dpkg-scanpackages >/dev/null || die "dpkg-scanpackages is missing: apt-get install dpkg-dev" 69
command -v gpg >/dev/null || die "gpg is missing: apt-get install gpg" 69
for deb in "${debs[@]}"; do
  [ -f "$deb" ] || die "$deb is not a file: give the packages scripts/build-deb.sh built" 66
  [ "$(dpkg-deb -f "$deb" Package 2>/dev/null)" = footfall ] || die "$deb is not a footfall package" 65
done
if [ -e "$out" ]; then
  [ "$force" = yes ] || die "$out exists: give --force to make it anew, or another --out" 73
  rm -rf "$out"
fi

# The key, in a keyring of its own that lives only while this runs.
umask 077
mkdir -p "$key_dir"
secret=$key_dir/archive-key.asc
public=$key_dir/archive-keyring.gpg
GNUPGHOME=$(mktemp -d)
export GNUPGHOME
trap 'gpgconf --kill gpg-agent 2>/dev/null || true; rm -rf "$GNUPGHOME"' EXIT
if [ -e "$secret" ]; then
  gpg --batch --quiet --import "$secret" 2>/dev/null || die "$secret is not a secret key gpg can read" 65
else
  gpg --batch --quiet --passphrase '' --quick-gen-key "footfall repository signing key" ed25519 sign never 2>/dev/null
  gpg --batch --armor --export-secret-keys >"$secret"
  echo "made a new signing key in $secret: keep it safe; sensors trust the repository by it"
fi
gpg --batch --quiet --export >"$public"
chmod 0644 "$public"
fingerprint=$(gpg --batch --quiet --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }')
umask 022

# The packages in the pool, their indexes per architecture, and the signed Release over them.
suite=stable
mkdir -p "$out/pool/main/f/footfall"
cp "${debs[@]}" "$out/pool/main/f/footfall/"
archs=$(for deb in "${debs[@]}"; do dpkg-deb -f "$deb" Architecture; done | sort -u | tr '\n' ' ')
archs=${archs% }
for arch in $archs; do
  dir=dists/$suite/main/binary-$arch
  mkdir -p "$out/$dir"
  (cd "$out" && dpkg-scanpackages --arch "$arch" pool/ 2>/dev/null >"$dir/Packages")
  gzip -9nk "$out/$dir/Packages"
done
release=$out/dists/$suite/Release
{
  echo "Origin: footfall"
  echo "Label: footfall"
  echo "Suite: $suite"
  echo "Codename: $suite"
  echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
  echo "Architectures: $archs"
  echo "Components: main"
  echo "Description: footfall sensor packages"
  echo "SHA256:"
  (cd "$out/dists/$suite" && find main -type f | sort | while read -r file; do
    printf ' %s %s %s\n' "$(sha256sum "$file" | cut -d' ' -f1)" "$(stat -c %s "$file")" "$file"
  done)
} >"$release"
gpg --batch --yes --local-user "$fingerprint" --clearsign --output "$out/dists/$suite/InRelease" "$release"
gpg --batch --yes --local-user "$fingerprint" --armor --detach-sign --output "$release.gpg" "$release"

# What a sensor needs to use it: the public key and the source, as files for /etc/apt, and as
# cloud-init user-data that writes them and installs footfall at first boot (Raspberry Pi OS 13
# reads user-data from the boot partition, where Raspberry Pi Imager writes its own settings).
cp "$public" "$out/footfall-archive-keyring.gpg"
cat >"$out/footfall.sources" <<EOF
Types: deb
URIs: ${url:-file://$(cd "$out" && pwd -P)}
Suites: $suite
Components: main
Signed-By: /etc/apt/keyrings/footfall-archive-keyring.gpg
EOF
{
  echo '#cloud-config'
  echo '# footfall from its apt repository, at first boot: merge these keys into the user-data on the'
  echo "# card's boot partition (add to write_files and packages when it has them already)."
  echo 'write_files:'
  echo '  - path: /etc/apt/keyrings/footfall-archive-keyring.gpg'
  echo '    encoding: b64'
  echo "    permissions: '0644'"
  echo "    content: $(base64 -w0 "$public")"
  echo '  - path: /etc/apt/sources.list.d/footfall.sources'
  echo "    permissions: '0644'"
  echo '    content: |'
  sed 's/^/      /' "$out/footfall.sources"
  echo 'package_update: true'
  echo 'packages:'
  echo '  - footfall'
} >"$out/footfall-cloud-init.yaml"
echo "built the repository $out ($archs), signed by $fingerprint"
