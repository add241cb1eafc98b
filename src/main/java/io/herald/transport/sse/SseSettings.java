package io.herald.transport.sse;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** SSE transport limits and timings; documented in docs/configuration.md. */
@ApplicationScoped
public class SseSettings {
  @Inject
  @ConfigProperty(name = "herald.sse.heartbeat-ms", defaultValue = "15000")
  long heartbeatMillis;

  @Inject
  @ConfigProperty(name = "herald.sse.retry-ms", defaultValue = "2000")
  long retryMillis;

  @Inject
  @ConfigProperty(name = "herald.sse.queue-size", defaultValue = "1024")
  int queueSize;

  /** Threads writing to SSE streams; 0 means one per core (at least 2). Writes never block. */
  @Inject
  @ConfigProperty(name = "herald.sse.writer-threads", defaultValue = "0")
  int writerThreads;

  @Inject
  @ConfigProperty(name = "herald.sse.write-stall-ms", defaultValue = "30000")
  long writeStallMillis;

  /** How long a stream may stay unwritable (its client not reading) before it is cut. */
  public long writeStallMillis() {
    return writeStallMillis;
  }

  public long heartbeatMillis() {
    return heartbeatMillis;
  }

  public long retryMillis() {
    return retryMillis;
  }

  public int queueSize() {
    return queueSize;
  }

  public int writerThreads() {
    return writerThreads > 0 ? writerThreads : Math.max(2, Runtime.getRuntime().availableProcessors());
  }
}
