package io.herald.transport;

/** The ways a client can be connected. Names appear in status output and metric tags. */
public enum Transport {
  SSE("sse"),
  WEBSOCKET("websocket"),
  POLL("poll");

  private final String label;

  Transport(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
