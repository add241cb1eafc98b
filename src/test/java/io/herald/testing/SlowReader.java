package io.herald.testing;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP client (an SSE stream, or a WebSocket) that reads a response's head and then nothing
 * more, as across a real network.
 * Loopback hides slow readers (../shared/TESTING.md): its 64 KB segments give each accepted socket
 * a send buffer of megabytes. A segment size of 1000 and a 4 KB receive buffer, set before
 * connecting, make the server's writes back up after about a hundred KB, as they would across a
 * network. Java has no option for the segment size (TCP_MAXSEG): it is set on the socket's file
 * descriptor through the JDK's own native call, which the test JVM opens up
 * ({@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}, pom.xml).
 */
public final class SlowReader implements AutoCloseable {
  private static final int IPPROTO_TCP = 6;
  private static final int TCP_MAXSEG = 2;

  private final SocketChannel channel;

  private SlowReader(SocketChannel channel) {
    this.channel = channel;
  }

  /** Sends {@code GET target} (an SSE stream) and reads the response head into {@code statusLine}. */
  public static SlowReader open(Server server, String target, StringBuilder statusLine) throws IOException {
    return send(server, "GET " + target + " HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\nAccept: text/event-stream\r\n\r\n", statusLine);
  }

  /** Opens a {@code herald.v1} WebSocket with {@code token} and reads the handshake's answer. */
  public static SlowReader webSocket(Server server, String token, StringBuilder statusLine) throws IOException {
    String upgrade =
        "GET " + server.path() + "ws HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: herald.v1, bearer." + token + "\r\n\r\n";
    return send(server, upgrade, statusLine);
  }

  private static SlowReader send(Server server, String request, StringBuilder statusLine) throws IOException {
    SocketChannel channel = SocketChannel.open();
    try {
      setMaxSegment(channel, 1000);
      channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
      channel.connect(new InetSocketAddress("127.0.0.1", server.port()));
      channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
      StringBuilder head = new StringBuilder();
      ByteBuffer one = ByteBuffer.allocate(1);
      while (head.indexOf("\r\n\r\n") < 0) {
        one.clear();
        if (channel.read(one) < 0) {
          break;
        }
        head.append((char) one.get(0));
      }
      statusLine.append(head, 0, Math.max(0, head.indexOf("\r\n")));
      return new SlowReader(channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static void setMaxSegment(SocketChannel channel, int bytes) {
    try {
      Field fd = channel.getClass().getDeclaredField("fd");
      fd.setAccessible(true);
      Method set =
          Class.forName("sun.nio.ch.Net")
              .getDeclaredMethod("setIntOption0", FileDescriptor.class, boolean.class, int.class, int.class, int.class, boolean.class);
      set.setAccessible(true);
      set.invoke(null, fd.get(channel), false, IPPROTO_TCP, TCP_MAXSEG, bytes, false);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot set TCP_MAXSEG: run the tests with --add-opens java.base/sun.nio.ch=ALL-UNNAMED (pom.xml)", e);
    }
  }

  /** Sends one masked text frame (a client must mask), reading nothing. */
  public void sendText(String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteBuffer frame = ByteBuffer.allocate(payload.length + 14);
    frame.put((byte) 0x81);
    if (payload.length < 126) {
      frame.put((byte) (0x80 | payload.length));
    } else {
      frame.put((byte) (0x80 | 126)).putShort((short) payload.length);
    }
    byte[] mask = {1, 2, 3, 4};
    frame.put(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.put((byte) (payload[i] ^ mask[i % 4]));
    }
    frame.flip();
    while (frame.hasRemaining()) {
      channel.write(frame);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
