package io.herald.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What sits between a browser and Herald in a company: a load balancer that sends each new
 * connection to the first instance that answers (so a dead one is skipped), and a proxy that may
 * forbid WebSocket upgrades or event streams, as some corporate proxies do. It also serves the
 * test's own pages, so that they share Herald's origin. One request per connection (it tells
 * Herald {@code Connection: close}), so every request is seen and judged.
 */
public final class FrontProxy implements AutoCloseable {
  private static final byte[] BLOCKED =
      "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "front-proxy");
    t.setDaemon(true);
    return t;
  });
  private final List<Integer> backends = new CopyOnWriteArrayList<>();
  private final Map<String, String> pages = new ConcurrentHashMap<>();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean blockWebSocket;
  private volatile boolean healthChecked;
  private volatile boolean blockStreams;

  private FrontProxy(ServerSocket server) {
    this.server = server;
  }

  /** A proxy on a free loopback port in front of the instances on {@code ports}, in that order of preference. */
  public static FrontProxy start(int... ports) throws IOException {
    FrontProxy proxy = new FrontProxy(new ServerSocket(0, 200, InetAddress.getLoopbackAddress()));
    for (int p : ports) {
      proxy.backends.add(p);
    }
    proxy.threads.execute(proxy::accept);
    return proxy;
  }

  public Server server() {
    return Server.at(server.getLocalPort());
  }

  /** The instances, in order of preference: the first that accepts gets the connection. */
  public void backends(int... ports) {
    backends.clear();
    for (int p : ports) {
      backends.add(p);
    }
  }

  /** Serves {@code html} at {@code path} itself. */
  public void page(String path, String html) {
    pages.put(path, html);
  }

  /**
   * Sends new connections only to instances whose {@code /health/ready} answers 200, as a load
   * balancer with health checks does (one that is stopping says DOWN before it goes).
   */
  public void healthChecked(boolean checked) {
    healthChecked = checked;
  }

  /** Answers WebSocket upgrades with 502, as a proxy that does not pass them. */
  public void blockWebSocket(boolean block) {
    blockWebSocket = block;
  }

  /** Answers SSE requests with 502, as a proxy that buffers or forbids event streams. */
  public void blockStreams(boolean block) {
    blockStreams = block;
  }

  /** Closes every connection open through it, as a proxy that is reloaded does. */
  public void cutAll() {
    for (Socket s : open) {
      close(s);
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> serve(client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    open.add(client);
    Socket backend = null;
    try {
      InputStream in = client.getInputStream();
      byte[] head = readHead(in);
      if (head == null) {
        return;
      }
      String text = new String(head, StandardCharsets.ISO_8859_1);
      String target = text.substring(0, text.indexOf("\r\n")).split(" ")[1];
      String lower = text.toLowerCase(Locale.ROOT);
      boolean upgrade = lower.contains("\r\nupgrade: websocket");
      String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
      if (pages.containsKey(path)) {
        byte[] body = pages.get(path).getBytes(StandardCharsets.UTF_8);
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/html;charset=utf-8\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return;
      }
      if ((upgrade && blockWebSocket) || (blockStreams && path.endsWith("/api/realtime/stream"))) {
        client.getOutputStream().write(BLOCKED);
        return;
      }
      backend = connectBackend();
      if (backend == null) {
        client.getOutputStream().write(BLOCKED); // no instance answers
        return;
      }
      open.add(backend);
      backend.getOutputStream().write(upgrade ? head : closing(text).getBytes(StandardCharsets.ISO_8859_1));
      Socket from = backend;
      threads.execute(() -> pipe(from, client));
      pipe(client, backend);
    } catch (IOException | RuntimeException e) {
      // a cut or a reset: both sides are closed below
    } finally {
      close(client);
      if (backend != null) {
        close(backend);
      }
    }
  }

  private Socket connectBackend() {
    for (int port : backends) {
      if (healthChecked && !ready(port)) {
        continue;
      }
      try {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        return s;
      } catch (IOException e) {
        // down: the next one
      }
    }
    return null;
  }

  private static boolean ready(int port) {
    try {
      return Server.at(port).getRoot("health/ready").status() == 200;
    } catch (RuntimeException e) {
      return false; // not answering at all
    }
  }

  /** The request head with {@code Connection: close} instead of keep-alive. */
  private static String closing(String head) {
    StringBuilder out = new StringBuilder();
    for (String line : head.split("\r\n")) {
      if (line.isEmpty() || line.toLowerCase(Locale.ROOT).startsWith("connection:") || line.toLowerCase(Locale.ROOT).startsWith("keep-alive:")) {
        continue;
      }
      out.append(line).append("\r\n");
    }
    return out.append("Connection: close\r\n\r\n").toString();
  }

  /** The bytes up to and including the blank line; null if the client left first. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (head.size() > 65536) {
        throw new IOException("request head too large");
      }
    }
    return head.toByteArray();
  }

  private void pipe(Socket from, Socket to) {
    byte[] buffer = new byte[16384];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // cut
    } finally {
      close(from);
      close(to);
    }
  }

  private void close(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closed already
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closed already
    }
    cutAll();
    threads.shutdownNow();
  }
}
