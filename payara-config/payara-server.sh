#!/usr/bin/env bash
# Herald on Payara Server 6: sets up a running domain for Herald and deploys herald.war.
#
#   ASADMIN=/opt/payara6/bin/asadmin payara-config/payara-server.sh herald.war
#
# Environment:
#   ASADMIN       the asadmin to use (default: asadmin on the PATH)
#   ASADMIN_OPTS  options for every call, e.g. "--host das.example --port 4848 --user admin
#                 --passwordfile /secure/pw" (default: none, i.e. the local DAS on 4848)
#   DOMAIN        the domain's name, when it runs on this machine: it is restarted for the JVM
#                 options (restart-domain works on local domains only); else restart it yourself
#   HERALD_JMS    server   (default) Herald uses the domain's own JMS through the resources below
#                          (herald.broker.type=jndi; docs/jms.md, "The app server's JMS")
#                 bundled  Herald uses its bundled Artemis client: the embedded broker, or the one
#                          at HERALD_BROKER_URL (herald.broker.type=jms)
#
# Herald's own settings (the token key, tenants, limits) are not here: give them to the domain as
# environment variables before start-domain, or as system properties (docs/configuration.md).
# Safe to run again: what exists already is left as it is, and the WAR is redeployed.
set -euo pipefail

war=${1:?usage: payara-server.sh path/to/herald.war}
asadmin=${ASADMIN:-asadmin}
read -r -a opts <<< "${ASADMIN_OPTS:-}"
jms=${HERALD_JMS:-server}
case "$jms" in
  server) broker_type=jndi ;;
  bundled) broker_type=jms ;;
  *) echo "HERALD_JMS must be server or bundled, not '$jms'" >&2; exit 2 ;;
esac

run() { "$asadmin" "${opts[@]}" "$@"; }
# create-* commands fail on what exists: create only what is missing
exists() { run "$1" 2>/dev/null | grep -qx -- "$2"; }

# JSON-P: name Parsson as the provider, so that each Json.create*() call skips a class-path
# service lookup (as on Payara Micro, post-boot-commands.asadmin).
run create-system-properties "jakarta.json.provider=org.eclipse.parsson.JsonProviderImpl:herald.broker.type=$broker_type"

# Logs: Herald's own at INFO; the bundled Artemis client and embedded broker at WARNING.
run set-log-levels "io.herald=INFO:org.apache.activemq.artemis=WARNING"

# HTTP worker threads. A domain starts with 5 (Payara Micro has more): SSE streams, long-polls and
# WebSocket sessions do not hold one (they are asynchronous), but every publish request does
# while the broker takes its event, and health probes and the client's files come on top.
run set configs.config.server-config.thread-pools.thread-pool.http-thread-pool.min-thread-pool-size=8
run set configs.config.server-config.thread-pools.thread-pool.http-thread-pool.max-thread-pool-size=64
# Their queue without a count limit, as on Payara Micro (pre-boot-commands.asadmin says why): it
# holds at most one read task per connection, and at a limit Grizzly drops the connection whose
# task did not fit, leaving its TCP connection open with nobody serving it.
run set configs.config.server-config.thread-pools.thread-pool.http-thread-pool.max-queue-size=-1

# Heap: 512 MB is the domain's default; Herald keeps each channel's recent history and a send
# buffer per slow connection in it (docs/operations.md, "Memory"). 1 GB suits about 10,000
# connections; size it to yours.
if exists list-jvm-options -Xmx512m; then
  run delete-jvm-options -Xmx512m
fi
if ! run list-jvm-options | grep -q -- '^-Xmx'; then
  run create-jvm-options -Xmx1g
fi

# The domain's JMS resources Herald looks up with herald.broker.type=jndi (the defaults of
# herald.broker.jndi.*). The physical names are the broker's: Open MQ, Payara Server's built-in
# provider, allows letters, digits, '.', '_' and '$' in them (no '-').
if ! exists list-jms-resources jms/herald/ConnectionFactory; then
  run create-jms-resource --restype jakarta.jms.ConnectionFactory \
    --description "Herald: between instances and from producers" jms/herald/ConnectionFactory
fi
if ! exists list-jms-resources jms/herald/internal; then
  run create-jms-resource --restype jakarta.jms.Topic --property Name=herald.internal \
    --description "Herald: between instances, only Herald sends here" jms/herald/internal
fi
if ! exists list-jms-resources jms/herald/events; then
  run create-jms-resource --restype jakarta.jms.Topic --property Name=herald.events \
    --description "Herald: where other systems publish (docs/jms.md)" jms/herald/events
fi
if ! exists list-jms-resources jms/herald/deadLetters; then
  run create-jms-resource --restype jakarta.jms.Queue --property Name=herald_dead_letter \
    --description "Herald: messages that cannot become events" jms/herald/deadLetters
fi

# A deployed Herald goes first: redeploying it while the restarted domain is still starting it
# fails (measured on 6.2025.10), and it would start once for nothing.
if run list-applications 2>/dev/null | grep -q '^herald '; then
  run undeploy herald
fi

# JVM options apply from the next start
if [ -n "${DOMAIN:-}" ]; then
  run restart-domain "$DOMAIN"
else
  echo "Restart the domain for the heap setting (-Xmx1g) to apply." >&2
fi
run deploy --contextroot / --name herald "$war"
