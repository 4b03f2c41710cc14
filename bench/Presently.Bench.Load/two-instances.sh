#!/usr/bin/env bash
# Two server instances behind nginx on this machine, on a PostgreSQL database and a Redis you give,
# with the load simulator against nginx (docs/BENCHMARKS.md, "Two instances behind nginx").
#   bench/Presently.Bench.Load/two-instances.sh "Host=127.0.0.1;Port=55432;Username=postgres;Database=EMPTY_DB" 127.0.0.1:56379 DIR [simulator options…]
# DIR keeps the instances' data folders, nginx's files and the enrolled agents (reused by the next run).
# The simulator reads the first instance's CPU and memory; the script prints both instances' memory at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
(($# >= 3)) || { echo "usage: $0 POSTGRES_CONNECTION_STRING REDIS DIR [simulator options…]" >&2; exit 2; }
pg=$1 redis=$2 dir=$(realpath -m "$3"); shift 3
mkdir -p "$dir"/{i1,i2,nginx}
for project in src/Presently.Server bench/Presently.Bench.Load; do dotnet build -c Release -v q "$project" >/dev/null; done
dll=src/Presently.Server/bin/Release/net10.0/presently-server.dll
settings=(--Presently:Storage:Provider Postgres --Presently:Storage:PostgresConnectionString "$pg;Maximum Pool Size=50"
  --Presently:Redis:Configuration "$redis" --Presently:KnownProxies:0 127.0.0.1 --Presently:AuthAttemptsPerMinute 10000
  --Logging:LogLevel:Default Warning)
password=load-admin-password-1
echo "$password" | dotnet "$dll" add-user --name admin --role admin --Presently:DataDirectory "$dir/i1" "${settings[@]}" >/dev/null

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for i in 1 2; do
  dotnet "$dll" --urls "http://127.0.0.1:510$i" --Presently:DataDirectory "$dir/i$i" "${settings[@]}" >"$dir/i$i.log" 2>&1 &
  pids+=($!)
done
# As deploy/nginx-cluster.conf, without TLS; two workers: each proxied agent socket is two files, and a
# process may hold 20,000 here. The shared zones let least_conn count every worker's connections.
cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
$([[ $(id -un) == root ]] && echo "user root;")
events { worker_connections 15000; }
http {
    access_log off;
    client_body_temp_path $dir/nginx/cb; proxy_temp_path $dir/nginx/px; fastcgi_temp_path $dir/nginx/fc; uwsgi_temp_path $dir/nginx/uw; scgi_temp_path $dir/nginx/sc;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
    upstream presently { zone presently 64k; least_conn; server 127.0.0.1:5101 max_fails=3 fail_timeout=10s; server 127.0.0.1:5102 max_fails=3 fail_timeout=10s; }
    upstream presently_agents { zone presently_agents 64k; least_conn; server 127.0.0.1:5101 max_fails=0; server 127.0.0.1:5102 max_fails=0; }
    server {
        listen 127.0.0.1:5100;
        client_max_body_size 1m;
        proxy_http_version 1.1;
        proxy_set_header Host \$host:\$server_port;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
        proxy_set_header X-Forwarded-Host \$host:\$server_port;
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection \$connection_upgrade;
        proxy_read_timeout 1h;
        location = /agent/v1 { proxy_pass http://presently_agents; proxy_connect_timeout 2s; }
        location / { proxy_pass http://presently; }
    }
}
CONF
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 100); do curl -sf http://127.0.0.1:5101/healthz >/dev/null && curl -sf http://127.0.0.1:5102/healthz >/dev/null \
  && curl -sf http://127.0.0.1:5100/healthz >/dev/null && break; sleep 0.3; done

PRESENTLY_BENCH_ADMIN_PASSWORD=$password dotnet run -c Release --no-build --project bench/Presently.Bench.Load -- \
  --server http://127.0.0.1:5100 --server-pid "${pids[0]}" --admin admin --data "$dir/agents" "$@"
for i in 0 1; do echo "instance $((i + 1)): $(grep VmRSS /proc/"${pids[$i]}"/status)"; done
