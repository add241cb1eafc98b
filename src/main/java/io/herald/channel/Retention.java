package io.herald.channel;

/**
 * What a namespace keeps of its channels' past (docs/protocol.md, "History and recovery").
 *
 * @param historySize events kept per channel for recovery; 0 keeps none
 * @param historyTtlMillis how long an event stays in the history; 0 keeps none
 * @param lastValue whether the latest event of each channel is kept beyond the history, for new
 *     subscribers
 * @param lastValueTtlMillis how long the latest event is kept after it was published
 */
public record Retention(int historySize, long historyTtlMillis, boolean lastValue, long lastValueTtlMillis) {

  /** Whether this namespace keeps a history at all. */
  public boolean keepsHistory() {
    return historySize > 0 && historyTtlMillis > 0;
  }
}
