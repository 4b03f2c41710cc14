#!/bin/sh
# Presently agent installer for Linux and macOS, rendered by the Presently server at @SERVER@.
#   curl -fsSL @SERVER@/install.sh | sh -s -- --code ABCD-EFGH-JKMN   (the Enrollment page gives the line)
# Downloads this computer's agent build, checks its SHA-256 (and installs nothing if it does not
# match), installs it for this user only, enrolls it with the code and starts it at every login.
set -eu

SERVER='@SERVER@'
# The server's self-signed certificate, when it has one: its SHA-256 (for the agent's settings) and
# the base64 SHA-256 of its public key (what curl and wget pin).
FINGERPRINT='@FINGERPRINT@'
PUBKEYPIN='@PUBKEYPIN@'

say() { printf 'presently-install: %s\n' "$*"; }
die() { printf 'presently-install: %s\n' "$*" >&2; exit 1; }

code=''
while [ $# -gt 0 ]; do
  case $1 in
    --code) [ $# -ge 2 ] || die "--code needs the enrollment code"; code=$2; shift 2 ;;
    --code=*) code=${1#--code=}; shift ;;
    -h|--help) sed -n '2,6p' "$0" 2>/dev/null || true; exit 0 ;;
    *) die "unknown argument '$1' (usage: sh install.sh --code ABCD-EFGH-JKMN)" ;;
  esac
done
[ -n "$code" ] || die "give the enrollment code: sh -s -- --code ABCD-EFGH-JKMN"
[ -n "${HOME:-}" ] || die "HOME is not set"

os=$(uname -s)
arch=$(uname -m)
case "$os/$arch" in
  Linux/x86_64 | Linux/amd64) rid=linux-x64 ;;
  Darwin/arm64) rid=osx-arm64 ;;
  Darwin/x86_64) rid=osx-x64 ;;
  *) die "there is no Presently agent for $os on $arch" ;;
esac

case $rid in
  linux-*)
    libdir="$HOME/.local/lib/presently-agent"
    bindir="$HOME/.local/bin"
    config="${XDG_CONFIG_HOME:-$HOME/.config}/presently/agent.json"
    logdir="${XDG_STATE_HOME:-$HOME/.local/state}/presently" ;;
  osx-*)
    libdir="$HOME/Library/Application Support/Presently/bin"
    bindir=''
    config="$HOME/Library/Application Support/Presently/agent.json"
    logdir="$HOME/Library/Logs/Presently" ;;
esac

# Pinned (a self-signed certificate): the system cannot vouch for the server, so the downloads skip
# its check (-k) and instead accept only the server whose public key has the pinned SHA-256; another
# key ends the connection before anything is sent. The agent pins the certificate from then on.
# Never -k without the pin: with only a fingerprint the downloads are checked by the system.
if [ -n "$PUBKEYPIN" ]; then
  # A pin means nothing over plain http: curl and wget would ignore it.
  case $SERVER in
    https://*) ;;
    *) die "the server's certificate is pinned but $SERVER is not https://; nothing was downloaded" ;;
  esac
fi
if command -v curl >/dev/null 2>&1; then
  # A curl that cannot pin (too old, or its TLS library cannot) stops with an error rather than ignore --pinnedpubkey.
  if [ -n "$PUBKEYPIN" ]; then
    fetch() { curl -fsSLk --pinnedpubkey "sha256//$PUBKEYPIN" -o "$2" "$1"; }
  else
    fetch() { curl -fsSL -o "$2" "$1"; }
  fi
elif command -v wget >/dev/null 2>&1; then
  if [ -n "$PUBKEYPIN" ]; then
    # A GNU wget that can pin lists --pinnedpubkey in --help; BusyBox wget and older GNU wget cannot pin.
    wget --help 2>&1 | grep -q -- '--pinnedpubkey' || die "this wget cannot pin the server's public key (no --pinnedpubkey); install curl or a newer GNU wget; nothing was downloaded"
    fetch() { wget -q --no-check-certificate --pinnedpubkey="sha256//$PUBKEYPIN" -O "$2" "$1"; }
  else
    fetch() { wget -q -O "$2" "$1"; }
  fi
else
  die "needs curl or wget to download the agent"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  die "needs sha256sum or shasum to check the download"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/presently-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

say "downloading the $rid agent from $SERVER"
fetch "$SERVER/download/agent/$rid" "$tmp/presently-agent" || die "could not download $SERVER/download/agent/$rid"
fetch "$SERVER/download/agent/$rid.sha256" "$tmp/sum" || die "could not download $SERVER/download/agent/$rid.sha256"
expected=$(cut -d ' ' -f 1 "$tmp/sum" | tr 'A-F' 'a-f')
actual=$(sha256 "$tmp/presently-agent")
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  die "the download's SHA-256 $actual does not match the server's $expected; nothing was installed"
fi
say "SHA-256 $actual checked"

mkdir -p "$libdir"
chmod 0755 "$tmp/presently-agent"
# A rename replaces the file even while an older agent runs from it.
mv -f "$tmp/presently-agent" "$libdir/presently-agent.new"
mv -f "$libdir/presently-agent.new" "$libdir/presently-agent"
agent="$libdir/presently-agent"
if [ -n "$bindir" ]; then
  mkdir -p "$bindir"
  ln -sf "$agent" "$bindir/presently-agent"
fi
say "installed $agent"

if [ -n "$FINGERPRINT" ]; then
  # Where the agent reads its settings on this system (see docs/agent.md).
  if [ -e "$config" ]; then
    grep -q "$FINGERPRINT" "$config" || say "keeping $config as it is; it should pin the server: \"ServerCertificateSha256\": \"$FINGERPRINT\""
  else
    mkdir -p "$(dirname "$config")"
    printf '{ "ServerCertificateSha256": "%s" }\n' "$FINGERPRINT" >"$config"
    say "pinned the server's certificate in $config"
  fi
fi

"$agent" enroll --server "$SERVER" --code "$code" || die "enrollment failed (see above); the agent is installed: run $agent enroll --server $SERVER --code CODE"

status=0
"$agent" install || status=$?
case $status in
  0) say "done: this computer is on the board" ;;
  4)
    # No autostart mechanism here (no systemd user instance, e.g. in a container): run it now.
    mkdir -p "$logdir"
    nohup "$agent" run >>"$logdir/agent.log" 2>&1 </dev/null &
    say "started the agent in the background (pid $!, log $logdir/agent.log); after a restart start it again with: $agent run" ;;
  *) die "presently-agent install failed (exit code $status)" ;;
esac
