#!/usr/bin/env bash
# A private RabbitMQ broker on 127.0.0.1 for tests (no systemd here): state under $RABBIT_DIR, its own epmd port,
# bound to loopback only. `source .ci/rabbitmq.sh; rabbit_start; ...; rabbit_stop`.
# Facts behind each setting: ../shared/TOOLCHAIN-FACTS.md (RabbitMQ section).
RABBIT_DIR=${RABBIT_DIR:-/tmp/taskgraph-rabbit}
RABBIT_PORT=${RABBIT_PORT:-5672}

rabbit_env() {
  export RABBITMQ_MNESIA_BASE=$RABBIT_DIR/mnesia RABBITMQ_LOG_BASE=$RABBIT_DIR/log \
         RABBITMQ_PID_FILE=$RABBIT_DIR/rabbit.pid RABBITMQ_CONFIG_FILE=$RABBIT_DIR/rabbitmq \
         RABBITMQ_ENABLED_PLUGINS_FILE=$RABBIT_DIR/enabled_plugins RABBITMQ_NODENAME=rabbit${RABBIT_PORT}@localhost \
         RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=4371 \
         RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
         RABBITMQ_DIST_PORT=$((RABBIT_PORT + 20000))
}

# rabbitmqctl and the server must share $HOME/.erlang.cookie: HOME is set per command, not globally.
rabbit_ctl() { (rabbit_env; HOME=$RABBIT_DIR /usr/lib/rabbitmq/bin/rabbitmqctl "$@"); }

rabbit_start() {
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || { echo "rabbitmq-server is not installed" >&2; return 1; }
  # A fresh broker every time: queues, messages and settings left by an earlier run (or an older TaskGraph) are
  # not part of any test.
  rm -rf "$RABBIT_DIR/mnesia"
  mkdir -p "$RABBIT_DIR/mnesia" "$RABBIT_DIR/log"
  echo "listeners.tcp.default = 127.0.0.1:$RABBIT_PORT" > "$RABBIT_DIR/rabbitmq.conf"
  echo "[]." > "$RABBIT_DIR/enabled_plugins"
  (rabbit_env; HOME=$RABBIT_DIR /usr/lib/rabbitmq/bin/rabbitmq-server -detached) || return 1
  rabbit_ctl wait --timeout 120 "$RABBIT_DIR/rabbit.pid" >/dev/null || return 1
  export TASKGRAPH_TEST_BROKER=amqp://guest:guest@127.0.0.1:$RABBIT_PORT/
  echo "[rabbitmq] ready on 127.0.0.1:$RABBIT_PORT" >&2
}

rabbit_stop() {
  [ -f "$RABBIT_DIR/rabbit.pid" ] || return 0
  rabbit_ctl shutdown >/dev/null 2>&1 || kill "$(cat "$RABBIT_DIR/rabbit.pid")" 2>/dev/null
  # The private epmd is shared by every broker started from this script: stop it only when no node is left on it.
  local epmd_bin; epmd_bin=$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -1)
  if [ -n "$epmd_bin" ] && ! "$epmd_bin" -port 4371 -names 2>/dev/null | grep -q '^name '; then
    "$epmd_bin" -port 4371 -kill >/dev/null 2>&1
  fi
  rm -f "$RABBIT_DIR/rabbit.pid"
  echo "[rabbitmq] stopped" >&2
}
