package io.herald.transport;

import io.herald.security.limits.TokenBucket;

/**
 * The rates a connection's client messages are held to (docs/operations.md, "Limits"): one bucket
 * for messages, one of their own for presence updates, which a moving cursor sends many of and
 * which coalesce anyway, so they never eat into the allowance of real messages. A refusal draws
 * on the patience bucket; when that is empty the client is flooding.
 */
public final class MessageRates {
  private final TokenBucket messages;
  private final TokenBucket presenceUpdates;
  private final TokenBucket patience;
  private boolean flooding;

  public MessageRates(TokenBucket messages, TokenBucket presenceUpdates, TokenBucket patience) {
    this.messages = messages;
    this.presenceUpdates = presenceUpdates;
    this.patience = patience;
  }

  /** Whether one more message (a presence update, or any other) fits its rate now. */
  public synchronized boolean admit(boolean presenceUpdate) {
    if ((presenceUpdate ? presenceUpdates : messages).tryTake()) {
      return true;
    }
    if (!patience.tryTake()) {
      flooding = true;
    }
    return false;
  }

  /** Whether the client kept sending over its rate after being told. */
  public synchronized boolean flooding() {
    return flooding;
  }
}
