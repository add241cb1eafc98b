package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Behind a trusted proxy (here the test's own loopback address stands for it), per-address
 * limits count the client each request names in X-Forwarded-For, not the proxy: two clients
 * behind one proxy get a limit each. (Without trusted proxies the header is ignored:
 * ClientAddressesTest.)
 */
@ExtendWith(ArquillianExtension.class)
class ForwardedForIT {
  private static final int PER_IP = 2;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(Map.of("herald.proxies.trusted", "127.0.0.1,::1", "herald.limits.connections.per-ip", String.valueOf(PER_IP)));
  }

  @ArquillianResource URL url;

  @Test
  void eachClientBehindTheProxyHasItsOwnLimit() throws Exception {
    Server server = Server.at(url);
    List<WsClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < PER_IP; i++) {
        open.add(connected(server, "a" + i, "203.0.113.5"));
      }
      WsClient over = WsClient.connectForwardedFor(server, Tokens.forUser("a9").sign(), "203.0.113.5");
      open.add(over);
      assertEquals(4030, over.awaitClose(Timeouts.EVENT).code(), "203.0.113.5 is at its limit");
      // a client that writes an address itself, in front of the proxy's: the proxy's entry counts
      WsClient spoofed = WsClient.connectForwardedFor(server, Tokens.forUser("a10").sign(), "198.51.100.1, 203.0.113.5");
      open.add(spoofed);
      assertEquals(4030, spoofed.awaitClose(Timeouts.EVENT).code(), "what a client writes left of the proxy's entry changes nothing");
      open.add(connected(server, "b0", "203.0.113.6")); // another client behind the same proxy
      Server.Reply stream = Server.send(
          java.net.http.HttpRequest.newBuilder(server.uri("api/realtime/poll?channel=jobs.1&timeout=0&access_token=" + Tokens.subscriber("a11")))
              .header("X-Forwarded-For", "203.0.113.5"));
      assertEquals(429, stream.status(), "the same address on another transport");
      assertEquals("TOO_MANY_CONNECTIONS", stream.code());
    } finally {
      open.forEach(WsClient::close);
    }
  }

  private static WsClient connected(Server server, String user, String address) throws InterruptedException {
    WsClient ws = WsClient.connectForwardedFor(server, Tokens.forUser(user).sign(), address);
    JsonObject first = ws.poll(Timeouts.EVENT);
    assertEquals("connected", first == null ? null : first.getString("type"), user + " from " + address);
    return ws;
  }
}
