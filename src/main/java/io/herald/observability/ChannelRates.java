package io.herald.observability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Events per channel over the last full window, for "the busiest channels". Every instance sees
 * every event, so each one's figures are the cluster's. Counting is a map increment on the bus's
 * one thread; the map is bounded (channels beyond it in a window are counted together as
 * untracked) and starts afresh each window.
 */
public final class ChannelRates {
  /** A channel of a tenant and its events per second. */
  public record Rate(String tenant, String channel, double perSecond) {}

  private final int maxChannels;
  private final long windowMillis;
  private Map<String, long[]> counting = new HashMap<>();
  private long untracked;
  private long windowStart;
  private volatile List<Rate> last = List.of();
  private volatile double lastUntracked;

  ChannelRates(int maxChannels, long windowMillis, long now) {
    this.maxChannels = maxChannels;
    this.windowMillis = windowMillis;
    this.windowStart = now;
  }

  /** Counts an event; called from one thread (the bus's). */
  synchronized void count(String tenant, String channel, long now) {
    roll(now);
    long[] n = counting.get(key(tenant, channel));
    if (n == null) {
      if (counting.size() >= maxChannels) {
        untracked++;
        return;
      }
      counting.put(key(tenant, channel), n = new long[1]);
    }
    n[0]++;
  }

  /** Closes the window if it is over; also called on a quiet bus, by whoever reads. */
  synchronized void roll(long now) {
    if (now - windowStart < windowMillis) {
      return;
    }
    double seconds = (now - windowStart) / 1000.0;
    List<Rate> rates = new ArrayList<>(counting.size());
    counting.forEach((key, n) -> {
      int cut = key.indexOf('\u001f');
      rates.add(new Rate(key.substring(0, cut), key.substring(cut + 1), n[0] / seconds));
    });
    rates.sort(Comparator.comparingDouble(Rate::perSecond).reversed());
    last = rates;
    lastUntracked = untracked / seconds;
    counting = new HashMap<>();
    untracked = 0;
    windowStart = now;
  }

  /** The busiest {@code limit} channels of the last window, of {@code tenant} (null: every tenant). */
  List<Rate> top(String tenant, int limit, long now) {
    roll(now);
    List<Rate> top = new ArrayList<>();
    for (Rate rate : last) {
      if (top.size() >= limit) {
        break;
      }
      if (tenant == null || tenant.equals(rate.tenant())) {
        top.add(rate);
      }
    }
    return top;
  }

  /** The rate of one channel in the last window; 0 if it had no event or was not tracked. */
  double of(String tenant, String channel, long now) {
    roll(now);
    for (Rate rate : last) {
      if (rate.tenant().equals(tenant) && rate.channel().equals(channel)) {
        return rate.perSecond();
      }
    }
    return 0;
  }

  double untracked() {
    return lastUntracked;
  }

  private static String key(String tenant, String channel) {
    return tenant + '\u001f' + channel;
  }
}
