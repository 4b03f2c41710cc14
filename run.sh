#!/usr/bin/env bash
# Runs Presently on this machine: the server on SQLite and, when there is an X11 desktop here,
# an agent for it. Data lives in ~/.local/share/presently; stop with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")"

url="${PRESENTLY_URL:-http://127.0.0.1:5080}"
data="${PRESENTLY_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/presently}"

for project in src/Presently.Server src/Presently.Agent; do
  dotnet build "$project" -c Release -nologo -v quiet
done

# The local agent's credential: made once, readable only by you.
mkdir -p "$data"
token_file="$data/local-agent.token"
if [[ ! -s $token_file ]]; then
  (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' >"$token_file")
fi
token=$(<"$token_file")

pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

Presently__DataDirectory="$data" Presently__DevelopmentAgentToken="$token" \
  dotnet src/Presently.Server/bin/Release/net10.0/presently-server.dll --urls "$url" &
pids+=($!)

# Wait until the server accepts connections (bash's /dev/tcp: no curl needed).
hostport=${url#*://}; hostport=${hostport%%/*}
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null; then break; fi
  sleep 0.1
done
echo "Presently is running: open $url"

if [[ -n ${DISPLAY:-} ]]; then
  PRESENTLY_AGENT_TOKEN="$token" dotnet src/Presently.Agent/bin/Release/net10.0/presently-agent.dll run --server "$url" &
  pids+=($!)
else
  echo "No DISPLAY here, so no agent for this desktop: the server runs alone. Agents on other computers can connect to it."
fi
wait
