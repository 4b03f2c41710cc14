#!/usr/bin/env bash
# Builds the agent for every platform the server offers for download, laid out as the server reads
# them (Presently:AgentBuildsDirectory, default <DataDirectory>/agents):
#
#   OUT/linux-x64/presently-agent       NativeAOT (needs clang and zlib1g-dev)
#   OUT/win-x64/presently-agent.exe     single file, self-contained, trimmed
#   OUT/osx-arm64/presently-agent       single file, self-contained, trimmed
#   OUT/osx-x64/presently-agent         single file, self-contained, trimmed
#   OUT/SHA256SUMS                      "<sha256>  <rid>/<file>" per build, as sha256sum writes
#
# Usage: deploy/build-agents.sh [--out DIR] [RID ...]     (default OUT: ./agents, every RID)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/agents"
rids=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    linux-x64|win-x64|osx-arm64|osx-x64) rids+=("$1"); shift ;;
    *) echo "build-agents: unknown argument '$1' (RIDs: linux-x64 win-x64 osx-arm64 osx-x64)" >&2; exit 2 ;;
  esac
done
((${#rids[@]})) || rids=(linux-x64 win-x64 osx-arm64 osx-x64)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The runtime packs this SDK would pick for the macOS targets are not all on the package feed we
# use; 10.0.12 is, for every target, so self-contained builds pin it.
runtime_version=10.0.12

publish() {
  local rid=$1; shift
  local staging="$root/artifacts/agent-publish/$rid"
  rm -rf "$staging"
  local started=$SECONDS
  if ! dotnet publish "$root/src/Presently.Agent" -c Release -r "$rid" -o "$staging" -nologo -v quiet "$@" >"$staging.log" 2>&1; then
    echo "build-agents: $rid failed; the last lines of $staging.log:" >&2
    tail -n 20 "$staging.log" >&2
    return 1
  fi
  local file=presently-agent
  [[ $rid == win-* ]] && file=presently-agent.exe
  mkdir -p "$out/$rid"
  cp "$staging/$file" "$out/$rid/$file.new" && mv -f "$out/$rid/$file.new" "$out/$rid/$file"
  chmod 0755 "$out/$rid/$file"
  printf '%-10s %-24s %6.1f MiB  %4d s\n' "$rid" "$rid/$file" "$(($(stat -c %s "$out/$rid/$file") * 10 / 1048576))e-1" $((SECONDS - started))
}

mkdir -p "$root/artifacts/agent-publish"
failed=0
for rid in "${rids[@]}"; do
  case $rid in
    linux-x64)
      if ! command -v clang >/dev/null; then
        echo "build-agents: linux-x64 is NativeAOT and needs a C toolchain: apt-get install clang zlib1g-dev" >&2
        failed=1; continue
      fi
      publish "$rid" -p:PublishAot=true || failed=1 ;;
    *)
      publish "$rid" --self-contained -p:PublishSingleFile=true -p:PublishTrimmed=true \
        -p:EnableCompressionInSingleFile=true -p:RuntimeFrameworkVersion=$runtime_version || failed=1 ;;
  esac
done

# Sums of every build present, in the format `sha256sum -c` reads.
(cd "$out" && find . -mindepth 2 -maxdepth 2 -type f -name 'presently-agent*' ! -name '*.new' | sed 's|^\./||' | sort | xargs -r sha256sum >SHA256SUMS.new && mv -f SHA256SUMS.new SHA256SUMS)
echo "builds and SHA256SUMS in $out"
exit $failed
