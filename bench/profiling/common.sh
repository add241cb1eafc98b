# Shared by the profiling scripts: starts one Herald as bench/run does, and attaches
# async-profiler to it (docs/performance.md, "Everyday load").
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=target/profiling
mkdir -p "$OUT"
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ -f target/bench/classpath ] || mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench/classpath
CP="target/test-classes:target/classes:$(cat target/bench/classpath)"

# async-profiler's library, from Maven Central (tools.profiler:async-profiler:4.1:linux-x64)
profiler_lib() {
  local lib=target/profiling/async-profiler/linux-x64/libasyncProfiler.so
  if [ ! -f "$lib" ]; then
    mvn -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.1:jar:linux-x64 -DoutputDirectory=target/profiling >&2
    (cd target/profiling && mkdir -p async-profiler && cd async-profiler && unzip -q -o ../async-profiler-4.1-linux-x64.jar)
  fi
  echo "$ROOT/$lib"
}

start_herald() { # label [env...]
  local label=$1; shift
  env MP_JWT_VERIFY_PUBLICKEY_LOCATION="file:$ROOT/src/test/resources/keys/trusted-public.pem" MP_JWT_VERIFY_ISSUER=herald-test \
    HERALD_SECURITY_DEFAULT_TENANT=default HERALD_NAMESPACE_BENCH_SUBSCRIBE=authenticated \
    HERALD_LIMITS_CONNECTIONS_PER_IP=100000000 HERALD_LIMITS_CONNECTIONS_PER_USER=100000000 \
    HERALD_LIMITS_PUBLISH_BURST=100000000 HERALD_LIMITS_PUBLISH_PER_SECOND=100000000 HERALD_INSTANCE_ID=bench "$@" \
    java -Djakarta.json.provider=org.eclipse.parsson.JsonProviderImpl -Dhazelcast.metrics.enabled=false \
    -jar target/payara-micro.jar --nocluster --port 8080 --deploy target/herald.war --contextroot / > "$OUT/herald-$label.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 120); do curl -sf -o /dev/null http://127.0.0.1:8080/health/ready && return 0; sleep 0.5; done
  echo "Herald did not start: $OUT/herald-$label.log" >&2; return 1
}

# jcmd splits unquoted agent options at '=': the inner quotes keep them whole
profile() { # pid seconds file
  local lib; lib=$(profiler_lib)
  jcmd "$1" JVMTI.agent_load "$lib" "\"start,event=cpu,interval=1ms\"" > /dev/null
  sleep "$2"
  jcmd "$1" JVMTI.agent_load "$lib" "\"stop,file=$ROOT/$3,collapsed\"" > /dev/null
}
