package io.herald.chaos;

import io.herald.testing.ArtemisBroker;
import io.herald.testing.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The chaos run's network: every client reaches an instance through a proxy of that instance
 * (its front, as a load balancer would stand there), and every instance reaches the broker
 * through a proxy of its own (its broker link). Either can be made slow for a while, or reset,
 * and a broker link can stay down for a few seconds: an instance cut off from the broker while
 * its clients and the other instance go on.
 */
final class Network implements AutoCloseable {
  private final Map<String, TcpProxy> fronts = new ConcurrentHashMap<>();
  private final Map<String, TcpProxy> brokerLinks = new ConcurrentHashMap<>();
  /** The latest fault of each proxy: an earlier one's end must not end a later one early. */
  private final Map<TcpProxy, Integer> faultOf = new ConcurrentHashMap<>();
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "chaos-network");
    t.setDaemon(true);
    return t;
  });

  /** The broker URL instance {@code name} is given: its own link's (one per name, kept across restarts). */
  String brokerUrl(String name, ArtemisBroker broker) {
    TcpProxy link = brokerLinks.computeIfAbsent(name, n -> proxy("broker-" + n, broker.port()));
    return "tcp://127.0.0.1:" + link.port();
  }

  /** The front of instance {@code name}, now serving on {@code port} (after a restart: the same front). */
  TcpProxy front(String name, int port) {
    TcpProxy front = fronts.computeIfAbsent(name, n -> proxy("front-" + n, port));
    front.target(port);
    return front;
  }

  /** Resets every client connection of an instance at once; how many sockets were reset. */
  int cutClients(String name) {
    return fronts.get(name).cut();
  }

  /** Resets an instance's broker connections and refuses new ones for {@code downMillis}. */
  void cutBrokerLink(String name, long downMillis) {
    TcpProxy link = brokerLinks.get(name);
    if (link == null) {
      return; // the instances reach the broker directly in this run
    }
    link.refuse(true);
    link.cut();
    endLater(link, () -> link.refuse(false), downMillis);
  }

  /** Adds {@code millis} of latency to an instance's client connections for {@code forMillis}. */
  void slowClients(String name, long millis, long forMillis) {
    slow(fronts.get(name), millis, forMillis);
  }

  /** Adds {@code millis} of latency to an instance's broker connections for {@code forMillis}. */
  void slowBrokerLink(String name, long millis, long forMillis) {
    if (brokerLinks.containsKey(name)) {
      slow(brokerLinks.get(name), millis, forMillis);
    }
  }

  private void slow(TcpProxy proxy, long millis, long forMillis) {
    proxy.latency(millis);
    endLater(proxy, () -> proxy.latency(0), forMillis);
  }

  private void endLater(TcpProxy proxy, Runnable end, long afterMillis) {
    int fault = faultOf.merge(proxy, 1, Integer::sum);
    later.schedule(() -> {
      if (faultOf.get(proxy) == fault) {
        end.run();
      }
    }, afterMillis, TimeUnit.MILLISECONDS);
  }

  /** Ends every fault in progress: the network is sound again (the run settles on it). */
  void heal() {
    for (TcpProxy p : fronts.values()) {
      p.latency(0);
    }
    for (TcpProxy p : brokerLinks.values()) {
      p.latency(0);
      p.refuse(false);
    }
  }

  @Override
  public void close() {
    later.shutdownNow();
    fronts.values().forEach(TcpProxy::close);
    brokerLinks.values().forEach(TcpProxy::close);
  }

  private static TcpProxy proxy(String name, int port) {
    try {
      return TcpProxy.start(name, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
