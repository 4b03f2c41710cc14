#!/usr/bin/env bash
# Runs Presently on this machine: the server on SQLite and, when there is an X11 desktop here,
# an agent for it, enrolled automatically the first time. Data lives in ~/.local/share/presently;
# stop with Ctrl+C. On first run the server prints a one-time link that creates the first admin.
set -euo pipefail
cd "$(dirname "$0")"

url="${PRESENTLY_URL:-http://127.0.0.1:5080}"
data="${PRESENTLY_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/presently}"
state="${XDG_STATE_HOME:-$HOME/.local/state}/presently"
server=(dotnet src/Presently.Server/bin/Release/net10.0/presently-server.dll --Presently:DataDirectory "$data")
agent=(dotnet src/Presently.Agent/bin/Release/net10.0/presently-agent.dll)

for project in src/Presently.Server src/Presently.Agent; do
  dotnet build "$project" -c Release -nologo -v quiet
done

pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

"${server[@]}" --urls "$url" &
pids+=($!)

# Wait until the server accepts connections (bash's /dev/tcp: no curl needed).
hostport=${url#*://}; hostport=${hostport%%/*}
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}") 2>/dev/null; then break; fi
  sleep 0.1
done
echo "Presently is running: open $url"

if [[ -z ${DISPLAY:-} ]]; then
  echo "No DISPLAY here, so no agent for this desktop: the server runs alone. Agents on other computers can enroll with it."
else
  # The local agent gets its own credential through the same enrollment as any other computer.
  if [[ ! -s $state/credential.json ]]; then
    code=$("${server[@]}" enroll-code --person "${USER:-me}" --hours 1 2>/dev/null)
    "${agent[@]}" enroll --server "$url" --code "$code"
  fi
  "${agent[@]}" run &
  pids+=($!)
fi
wait
