package io.herald.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Tokens;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A site that allows only SSE ({@code herald.transports=sse}): WebSocket upgrades and long-polls
 * are refused with 404 {@code TRANSPORT_DISABLED} before anything starts; SSE works as ever.
 */
@ExtendWith(ArquillianExtension.class)
class TransportsOffIT {
  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(Map.of("herald.transports", "sse"));
  }

  @ArquillianResource URL url;

  @Test
  void onlyTheTransportsTurnedOnAreServed() throws Exception {
    Server server = Server.at(url);
    String alice = Tokens.subscriber("alice");
    assertEquals(404, upgradeStatus(server), "no WebSocket upgrade");
    Server.Reply poll = server.get("api/realtime/poll?channel=jobs.1&timeout=0&access_token=" + alice);
    assertEquals(404, poll.status());
    assertEquals("TRANSPORT_DISABLED", poll.code());
    assertTrue(poll.json().getString("message").contains("herald.transports=sse"), poll.body());
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + alice)) {
      assertEquals("connected", stream.next().name(), "SSE is on");
    }
    assertEquals(200, server.get("api/realtime/status").status(), "the rest of the API is not a transport");
  }

  /** The status of a WebSocket handshake on /ws, as a browser sends it. */
  private static int upgradeStatus(Server server) throws Exception {
    try (Socket socket = new Socket("localhost", server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET /ws HTTP/1.1\r\nHost: localhost:" + server.port() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: herald.v1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
        line.append((char) c);
      }
      return Integer.parseInt(line.toString().split(" ")[1]);
    }
  }
}
