package io.herald.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that misbehaves on demand, as a network does: it adds latency to every
 * chunk in both directions, resets every connection through it at once (a load balancer's or a
 * firewall's reset, a partition), and refuses new ones for a while (each is accepted and reset at
 * once). Bytes are passed on as they are, so it sits under any protocol: HTTP, WebSocket, SSE,
 * Artemis Core.
 *
 * <p>Latency is a pause of the pump before it writes what it read, so while it is on, a
 * direction also carries at most one read (up to 64 KiB) per pause: slow as well as late, as a
 * congested link is.
 */
public final class TcpProxy implements AutoCloseable {
  private final String name;
  private final ServerSocket server;
  private volatile int target;
  private volatile long latencyMillis;
  /** Extra latency of what comes back from the target only. */
  private volatile long returnLatencyMillis;
  /** While held, nothing that comes back from the target is passed on (it waits in the buffers). */
  private volatile boolean holding;
  private volatile boolean refusing;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  /** Client sides, oldest first (closed ones are dropped as new ones come). */
  private final java.util.Deque<Socket> clients = new java.util.concurrent.ConcurrentLinkedDeque<>();
  private final AtomicLong accepted = new AtomicLong();

  private TcpProxy(String name, ServerSocket server, int target) {
    this.name = name;
    this.server = server;
    this.target = target;
  }

  /** A proxy on a free loopback port to {@code targetPort} on loopback. */
  public static TcpProxy start(String name, int targetPort) throws IOException {
    TcpProxy proxy = new TcpProxy(name, new ServerSocket(0, 500, InetAddress.getLoopbackAddress()), targetPort);
    daemon("tcp-proxy-" + name, proxy::accept);
    return proxy;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Where new connections go from now on (an instance restarted on another port). */
  public void target(int port) {
    target = port;
  }

  /** Delays every chunk by this much from now on (0: none). */
  public void latency(long millis) {
    latencyMillis = millis;
  }

  /** Delays every chunk that comes back from the target by this much more (0: none). */
  public void returnLatency(long millis) {
    returnLatencyMillis = millis;
  }

  /**
   * Holds back what comes back from the target until released, as a link that has stalled one
   * way; what goes to it still flows. Keep it short: peers take a silent link for dead.
   */
  public void hold(boolean hold) {
    holding = hold;
  }

  /** While refusing, a new connection is reset as soon as it is accepted. */
  public void refuse(boolean refuse) {
    refusing = refuse;
  }

  /** Resets every connection through the proxy now, on both sides; how many sockets it reset. */
  public int cut() {
    int n = 0;
    for (Socket s : Set.copyOf(open)) {
      reset(s);
      n++;
    }
    return n;
  }

  /**
   * Resets the oldest connection through the proxy that is still open, on both sides, and no
   * other: one connection of several broken, as when a firewall loses one flow's state.
   */
  public boolean resetOldest() {
    for (Socket client : clients) {
      if (!client.isClosed()) {
        reset(client); // its pumps fail, and reset the other side
        return true;
      }
    }
    return false;
  }

  /** Connections accepted so far. */
  public long accepted() {
    return accepted.get();
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    cut();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException closed) {
        return;
      }
      accepted.incrementAndGet();
      if (refusing) {
        reset(client);
        continue;
      }
      open.add(client); // a cut while it is still connecting upstream takes it too
      clients.removeIf(Socket::isClosed);
      clients.add(client);
      daemon("tcp-proxy-" + name + "-connect", () -> connect(client));
    }
  }

  private void connect(Socket client) {
    Socket upstream = new Socket();
    open.add(upstream);
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000);
    } catch (IOException e) {
      reset(client); // as a dead backend looks through a proxy
      reset(upstream);
      return;
    }
    if (client.isClosed() || server.isClosed()) { // cut, or closed, while it connected
      reset(client);
      reset(upstream);
      return;
    }
    AtomicInteger ended = new AtomicInteger();
    daemon("tcp-proxy-" + name + "-up", () -> pump(client, upstream, false, ended));
    pump(upstream, client, true, ended);
  }

  /** Copies one direction until it ends: a clean end is passed on as one, anything else as a reset of both. */
  private void pump(Socket from, Socket to, boolean back, AtomicInteger ended) {
    byte[] buffer = new byte[64 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        long pause = latencyMillis + (back ? returnLatencyMillis : 0);
        if (pause > 0) {
          Thread.sleep(pause);
        }
        while (back && holding && !to.isClosed()) {
          Thread.sleep(10);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
      to.shutdownOutput();
      if (ended.incrementAndGet() == 2) { // both directions are done
        open.remove(from);
        open.remove(to);
        from.close();
        to.close();
      }
    } catch (IOException | InterruptedException e) {
      reset(from);
      reset(to);
    }
  }

  private void reset(Socket s) {
    open.remove(s);
    try {
      if (!s.isClosed()) {
        s.setSoLinger(true, 0); // RST, not FIN: the other side learns at once, and hard
      }
    } catch (SocketException ignored) {
      // not connected: closing is all there is
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // gone already
    }
  }

  private static void daemon(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
  }
}
