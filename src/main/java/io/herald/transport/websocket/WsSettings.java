package io.herald.transport.websocket;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** WebSocket transport limits and timings; documented in docs/configuration.md. */
@ApplicationScoped
public class WsSettings {
  @Inject
  @ConfigProperty(name = "herald.ws.ping-ms", defaultValue = "25000")
  long pingMillis;

  @Inject
  @ConfigProperty(name = "herald.ws.max-message-bytes", defaultValue = "65536")
  int maxMessageBytes;

  @Inject
  @ConfigProperty(name = "herald.ws.queue-size", defaultValue = "1024")
  int queueSize;

  @Inject
  @ConfigProperty(name = "herald.ws.close-grace-ms", defaultValue = "5000")
  long closeGraceMillis;

  /**
   * How long a frame may wait for the client to take it before the connection is closed as a slow
   * consumer (checked on the ping round): a client that stops reading while traffic is light
   * would otherwise never fill its queue, and a write the container never completes would hold
   * every later frame back without anyone noticing.
   */
  @Inject
  @ConfigProperty(name = "herald.ws.write-stall-ms", defaultValue = "30000")
  long writeStallMillis;

  /**
   * Characters of queued messages one frame may carry when a connection is behind; 16,384 keeps a
   * frame under 64 KiB even in three-byte UTF-8, the smallest default frame limit of common
   * clients. 0 sends one message per frame.
   */
  @Inject
  @ConfigProperty(name = "herald.ws.max-batch-chars", defaultValue = "16384")
  int maxBatchChars;

  /** Threads handing frames to the container; 0 means one per core (at least 2). */
  @Inject
  @ConfigProperty(name = "herald.ws.sender-threads", defaultValue = "0")
  int senderThreads;

  public int senderThreads() {
    return senderThreads > 0 ? senderThreads : Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  public int maxBatchChars() {
    return maxBatchChars;
  }

  public long pingMillis() {
    return pingMillis;
  }

  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  public int queueSize() {
    return queueSize;
  }

  public long closeGraceMillis() {
    return closeGraceMillis;
  }

  public long writeStallMillis() {
    return writeStallMillis;
  }
}
