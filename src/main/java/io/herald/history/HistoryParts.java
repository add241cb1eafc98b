package io.herald.history;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.channel.Retention;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** What {@link HistoryLog} keeps: each event with its arrival, per channel and per tenant. */
final class HistoryParts {
  private HistoryParts() {}

  static final class Entry {
    final long seq;
    final long arrived;
    final Envelope envelope;

    Entry(long seq, long arrived, Envelope envelope) {
      this.seq = seq;
      this.arrived = arrived;
      this.envelope = envelope;
    }
  }

  static final class ChannelLog {
    final TenantLog tenant;
    final String name;
    final Retention retention;
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** Arrival number of the newest event not (or no longer) kept; -1 while none. */
    long droppedSeq = -1;
    /** Greatest id not (or no longer) kept, and when the last such event arrived. */
    EventId droppedId;
    long droppedArrived = Long.MIN_VALUE;
    Envelope lastValue;
    long lastValueAt;
    boolean forgotten;

    ChannelLog(TenantLog tenant, String name, Retention retention) {
      this.tenant = tenant;
      this.name = name;
      this.retention = retention;
    }

    void dropped(Entry entry) {
      droppedSeq = entry.seq;
      droppedId = HistoryLog.max(droppedId, entry.envelope.id());
      droppedArrived = Math.max(droppedArrived, entry.arrived);
    }
  }

  static final class TenantLog {
    final String id;
    /** Every kept event by id, in arrival order: the first entry is the oldest kept. */
    final LinkedHashMap<EventId, Entry> index = new LinkedHashMap<>();
    final Map<String, ChannelLog> channels = new HashMap<>();
    /** What the channel logs forgotten altogether had dropped: for exact positions, and by time. */
    long forgottenSeq = -1;
    EventId forgottenId;
    long forgottenArrived = Long.MIN_VALUE;
    Entry newest;

    TenantLog(String id) {
      this.id = id;
    }

    void forget(ChannelLog channel) {
      forgottenSeq = Math.max(forgottenSeq, channel.droppedSeq);
      forgottenId = HistoryLog.max(forgottenId, channel.droppedId);
      forgottenArrived = Math.max(forgottenArrived, channel.droppedArrived);
    }
  }
}
