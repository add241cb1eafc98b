package io.herald.transport.sse;

/** Why a stream ended; the label is a metric tag. */
enum EndReason {
  CLIENT_GONE("client_gone"),
  SLOW_CONSUMER("slow_consumer"),
  TOKEN_EXPIRED("token_expired"),
  SHUTDOWN("shutdown"),
  ADMIN("admin"),
  ERROR("error");

  final String label;

  EndReason(String label) {
    this.label = label;
  }
}
