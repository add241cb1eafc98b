package io.herald.presence;

import static io.herald.presence.PresenceIT.connect;
import static io.herald.presence.PresenceIT.presence;
import static io.herald.presence.PresenceIT.token;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.URL;
import java.util.Map;
import java.util.Set;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Away and leaving after client silence (thresholds shortened), and a status the client sets itself. */
@ExtendWith(ArquillianExtension.class)
class PresenceIdleIT {
  private static final long AWAY_MS = 1500;
  private static final long LEAVE_MS = 4000;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.presence.away-after-ms", String.valueOf(AWAY_MS),
            "herald.presence.leave-after-ms", String.valueOf(LEAVE_MS)),
        Set.of(HeraldDeployment.DOCS_PRESENCE));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  private static JsonObject member(JsonObject frame, String user) {
    return frame.getJsonArray("members").getValuesAs(JsonObject.class).stream()
        .filter(m -> m.getString("userId").equals(user))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aSilentClientGoesAwayThenLeavesAndComesBackWithItsNextMessage() throws Exception {
    try (WsClient ivan = connect(server, token("ivan"));
        WsClient erin = connect(server, token("erin"))) {
      ivan.subscribe("docs.i1");
      erin.subscribe("docs.i1");
      long joined = System.nanoTime();
      presence(ivan, "join", "erin");

      JsonObject away = presence(ivan, "update", "erin");
      long awayAfter = (System.nanoTime() - joined) / 1_000_000;
      assertEquals("away", member(away, "erin").getString("status"));
      assertTrue(awayAfter >= AWAY_MS - 100, "not before herald.presence.away-after-ms: " + awayAfter + " ms");

      erin.call("ping", ""); // pings are not activity: still away, soon gone
      presence(ivan, "leave", "erin");
      long leftAfter = (System.nanoTime() - joined) / 1_000_000;
      assertTrue(leftAfter >= LEAVE_MS - 100, "not before herald.presence.leave-after-ms: " + leftAfter + " ms");
      assertTrue(server.get("api/channels/docs.i1/presence", token("ivan")).json().getJsonArray("members").stream()
          .noneMatch(m -> m.asJsonObject().getString("userId").equals("erin")), "and out of the list");

      assertEquals("ok", erin.call("presence.update", "\"channel\":\"docs.i1\",\"state\":{\"view\":\"p2\"}").getString("type"));
      JsonObject back = member(presence(ivan, "join", "erin"), "erin");
      assertEquals("online", back.getString("status"));
      assertEquals("p2", back.getJsonObject("state").getString("view"));
      assertTrue(Metrics.value(server, "herald_presence_changes_total", "action=\"leave\"") >= 1);
    }
  }

  @Test
  void aStatusTheClientSetsStaysUntilItSetsAnother() throws Exception {
    try (WsClient ivan = connect(server, token("ivan"));
        WsClient finn = connect(server, token("finn"))) {
      ivan.subscribe("docs.i2");
      finn.subscribe("docs.i2");
      presence(ivan, "join", "finn");
      finn.call("presence.update", "\"channel\":\"docs.i2\",\"status\":\"away\"");
      assertEquals("away", member(presence(ivan, "update", "finn"), "finn").getString("status"));
      finn.call("presence.update", "\"channel\":\"docs.i2\",\"state\":{\"cursor\":1}");
      JsonObject moved = member(presence(ivan, "update", "finn"), "finn");
      assertEquals("away", moved.getString("status"), "activity does not undo a status the client chose");
      finn.call("presence.update", "\"channel\":\"docs.i2\",\"status\":\"online\"");
      assertEquals("online", member(presence(ivan, "update", "finn"), "finn").getString("status"));
    }
  }
}
