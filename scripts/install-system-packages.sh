#!/usr/bin/env bash
# Installs the Debian / Raspberry Pi OS packages footfall builds and is tested with:
# a compiler and libpcap headers for the native modules (pcap, better-sqlite3), mosquitto and
# openssl for the broker the tests start, tshark and tcpdump as reference counters, GNU time
# for the benchmark's peak memory, tcpreplay to drive the live daemon in the benchmark, gpg to
# sign the apt repository of the packaging tests.
set -euo pipefail

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "run this as root, or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends \
  build-essential python3 libpcap-dev mosquitto openssl tshark tcpdump time tcpreplay gpg >/dev/null
echo "system packages installed"
