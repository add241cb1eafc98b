package io.herald.asyncapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code /asyncapi.json} on a deployment with a namespace of its own, two transports of three and
 * a broker port: valid AsyncAPI 3.0 (the AsyncAPI Initiative's JSON Schema, validated by
 * networknt's validator), every reference inside it resolves, it says what this deployment's
 * configuration says, the frames a real client receives match its schemas, and OpenAPI links to it.
 */
class AsyncApiIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theDocumentIsValidAsyncApiAndDescribesThisDeployment() throws Exception {
    int brokerPort = PayaraProcess.freePort();
    Map<String, String> env =
        Map.of(
            "HERALD_DEV_MODE", "true",
            "HERALD_TRANSPORTS", "websocket,sse",
            "HERALD_BROKER_EMBEDDED_PORT", String.valueOf(brokerPort),
            "HERALD_NAMESPACE_ORDERS_SUBSCRIBE", "authenticated",
            "HERALD_NAMESPACE_ORDERS_PRESENCE", "true",
            "HERALD_NAMESPACE_ORDERS_HISTORY_SIZE", "50");
    try (PayaraProcess herald = PayaraProcess.start("asyncapi", Map.of(), env)) {
      Server server = herald.server();
      Server.Reply reply = server.get("asyncapi.json");
      assertEquals(200, reply.status(), reply.body());
      assertTrue(reply.header("Content-Type").startsWith("application/json"));
      JsonNode document = JSON.readTree(reply.body());

      assertEquals(Set.of(), asyncApiSchema().validate(document), "valid AsyncAPI 3.0.0");
      assertEquals(List.of(), unresolved(document, document, "#"), "every $ref points into the document");

      // what this deployment's configuration says
      JsonNode channels = document.get("channels");
      JsonNode orders = channels.get("namespace-orders");
      assertEquals("orders.{name}", orders.get("address").asText());
      assertEquals("authenticated", orders.at("/x-herald-policy/subscribe").asText());
      assertEquals(50, orders.at("/x-herald-policy/historySize").asInt());
      assertTrue(orders.get("messages").has("presence"), "its member lists");
      assertFalse(orders.get("messages").has("typing"), "typing is off there");
      assertTrue(channels.get("namespace-chat").get("messages").has("typing"));
      assertTrue(channels.get("namespace-jobs").at("/x-herald-policy/lastValue").asBoolean());
      assertEquals("grant", channels.get("namespace-unconfigured").at("/x-herald-policy/subscribe").asText(), "the secure default");
      assertEquals("herald.events", channels.get("jms-ingress").get("address").asText(), "the producers' topic");
      assertEquals("127.0.0.1:" + brokerPort, document.at("/servers/broker/host").asText());
      assertEquals("localhost:" + server.port(), document.at("/servers/websocket/host").asText());
      assertFalse(document.at("/servers/http/description").asText().contains("long-polling"), "poll is off here");
      assertTrue(document.at("/servers/http/description").asText().contains("Server-Sent Events"));
      assertTrue(channels.get("websocket").get("messages").has("presenceUpdate"));
      assertEquals("0.1.0-SNAPSHOT", document.at("/info/version").asText(), "Herald's version, from the WAR");

      // real frames match the schemas the document gives them
      String token = server.get("dev/token?sub=alice&name=Alice").body().strip();
      try (WsClient ws = WsClient.connect(server, token);
          SseClient stream = SseClient.open(server, "api/realtime/stream?channel=chat.lobby&access_token=" + token)) {
        assertValid(document, "Connected", JSON.readTree(stream.next().data()));
        JsonObject ok = ws.call("subscribe", "\"channel\":\"chat.lobby\"");
        assertValid(document, "Ok", JSON.readTree(ok.toString()));
        assertValid(document, "Presence", JSON.readTree(ws.next(f -> "presence".equals(f.getString("type", null))).toString()));
        ws.call("publish", "\"channel\":\"chat.lobby\",\"event\":\"chat.message\",\"data\":{\"text\":\"hi\"}");
        assertValid(document, "Envelope", JSON.readTree(ws.next(f -> "event".equals(f.getString("type", null))).toString()));
        JsonObject error = ws.call("subscribe", "\"channel\":\"Bad\"");
        assertValid(document, "Error", JSON.readTree(error.toString()));
      }

      String openApi = server.getRoot("openapi").body();
      assertTrue(openApi.contains("/asyncapi.json"), "OpenAPI links to it");
    }
  }

  private static JsonSchema asyncApiSchema() throws Exception {
    try (InputStream in = AsyncApiIT.class.getResourceAsStream("/asyncapi/asyncapi-3.0.0.schema.json")) {
      ObjectNode schema = (ObjectNode) JSON.readTree(in);
      schema.remove("$schema"); // draft-07, as the factory below is
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schema);
    }
  }

  /** {@code frame} against {@code #/components/schemas/<name>} of the document. */
  private static void assertValid(JsonNode document, String name, JsonNode frame) {
    ObjectNode root = JSON.createObjectNode();
    root.put("$ref", "#/components/schemas/" + name);
    root.set("components", document.get("components"));
    Set<ValidationMessage> errors = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(root).validate(frame);
    assertEquals(Set.of(), errors, name + ": " + frame);
  }

  private static List<String> unresolved(JsonNode document, JsonNode node, String path) {
    List<String> missing = new ArrayList<>();
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null && ref.isTextual() && ref.asText().startsWith("#/") && document.at(ref.asText().substring(1)).isMissingNode()) {
        missing.add(path + " -> " + ref.asText());
      }
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        missing.addAll(unresolved(document, field.getValue(), path + "/" + field.getKey()));
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        missing.addAll(unresolved(document, node.get(i), path + "/" + i));
      }
    }
    return missing;
  }
}
