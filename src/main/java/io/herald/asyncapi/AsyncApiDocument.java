package io.herald.asyncapi;

import static io.herald.api.JsonProviders.JSON;

import io.herald.channel.NamespacePolicies;
import io.herald.channel.NamespacePolicy;
import io.herald.channel.Retention;
import io.herald.distribution.JmsSettings;
import io.herald.transport.Transport;
import io.herald.transport.TransportSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Herald's AsyncAPI 3.0 document ({@code /asyncapi.json}), from the running configuration: a
 * channel per configured namespace with what its policy allows, the transports that are on, the
 * WebSocket frames both ways, and the JMS producers' topic when there is a broker. Described from
 * Herald's side: it sends events to clients and receives their frames and producers' messages.
 * The static parts (schemas, messages, security schemes) are {@code components.json} beside this
 * class; only what configuration decides is built here.
 */
@ApplicationScoped
public class AsyncApiDocument {
  static final String VERSION = "3.0.0";

  @Inject NamespacePolicies namespaces;
  @Inject TransportSettings transports;
  @Inject JmsSettings jms;


  /** Read once: it is the same for every request. */
  private final JsonObject components = read(AsyncApiDocument.class.getResourceAsStream("components.json"));

  /** The document as seen by a client that reached Herald at {@code host}, over TLS or not. */
  public JsonObject build(String host, boolean secure, String version) {
    Set<Transport> on = transports.enabled();
    boolean broker = jms.type() != JmsSettings.Type.LOCAL;
    JsonObjectBuilder servers = JSON.createObjectBuilder();
    List<String> clientServers = new ArrayList<>();
    if (on.contains(Transport.WEBSOCKET)) {
      servers.add("websocket", server(host, secure ? "wss" : "ws", "/ws", "WebSocket, subprotocol herald.v1 (docs/protocol.md)",
          "subprotocolToken", "accessTokenQuery"));
      clientServers.add("websocket");
    }
    if (on.contains(Transport.SSE) || on.contains(Transport.POLL)) {
      String which = on.contains(Transport.SSE) && on.contains(Transport.POLL) ? "Server-Sent Events (GET stream) and long-polling (GET poll)"
          : on.contains(Transport.SSE) ? "Server-Sent Events (GET stream)" : "long-polling (GET poll)";
      servers.add("http", server(host, secure ? "https" : "http", "/api/realtime", which + ", with the frames of the WebSocket (docs/protocol.md)",
          "bearer", "accessTokenQuery"));
      clientServers.add("http");
    }
    if (broker) {
      servers.add("broker", brokerServer());
    }

    JsonObjectBuilder channels = JSON.createObjectBuilder();
    JsonObjectBuilder operations = JSON.createObjectBuilder();
    for (Map.Entry<String, NamespacePolicy> ns : namespaces.configured().entrySet()) {
      namespace(channels, operations, "namespace-" + ns.getKey(), ns.getKey() + ".{name}", "Namespace " + ns.getKey(), ns.getValue(), clientServers);
    }
    namespace(channels, operations, "namespace-unconfigured", "{namespace}.{name}", "Any other namespace", namespaces.unconfigured(), clientServers);
    if (on.contains(Transport.WEBSOCKET)) {
      webSocket(channels, operations);
    }
    if (on.contains(Transport.SSE)) {
      stream(channels, operations);
    }
    if (broker) {
      ingress(channels, operations);
    }
    return JSON.createObjectBuilder()
        .add("asyncapi", VERSION)
        .add("info", JSON.createObjectBuilder()
            .add("title", "Herald")
            .add("version", version)
            .add("description", "A real-time gateway: events to browsers over WebSocket, Server-Sent Events and long-polling, "
                + "from HTTP publishers and JMS producers. Generated from this deployment's configuration: its namespaces, "
                + "transports and broker. The HTTP endpoints are in the OpenAPI document at /openapi; the protocol in full "
                + "in docs/protocol.md and docs/jms.md."))
        .add("defaultContentType", "application/json")
        .add("servers", servers)
        .add("channels", channels)
        .add("operations", operations)
        .add("components", components)
        .build();
  }

  private static JsonObject server(String host, String protocol, String path, String description, String... security) {
    JsonArrayBuilder schemes = JSON.createArrayBuilder();
    for (String scheme : security) {
      schemes.add(ref("#/components/securitySchemes/" + scheme));
    }
    return JSON.createObjectBuilder()
        .add("host", host)
        .add("protocol", protocol)
        .add("pathname", path)
        .add("description", description)
        .add("security", schemes)
        .build();
  }

  private JsonObject brokerServer() {
    boolean container = jms.type() == JmsSettings.Type.JNDI;
    String host = container ? "app-server" : jms.url().map(AsyncApiDocument::hosts).orElse(jms.embeddedHost() + jms.embeddedPort().map(p -> ":" + p).orElse(""));
    String description = container
        ? "The app server's JMS (herald.broker.type=jndi): the connection factory and topics named by herald.broker.jndi.* (docs/jms.md)"
        : jms.url().isPresent()
            ? "The Artemis broker or cluster at herald.broker.url; producers may use any protocol it speaks (Core, AMQP, STOMP, MQTT, OpenWire)"
            : jms.embeddedPort().isPresent()
                ? "Herald's embedded Artemis broker, Core protocol; producers log in as herald.broker.embedded.producer-user"
                : "Herald's embedded Artemis broker, in this JVM only: no producer can reach it until herald.broker.embedded.port is set";
    return JSON.createObjectBuilder()
        .add("host", host)
        .add("protocol", "jms")
        .add("description", description)
        .add("security", JSON.createArrayBuilder().add(ref("#/components/securitySchemes/brokerLogin")))
        .build();
  }

  /** The host part(s) of a broker URL: {@code tcp://a:61616}, or {@code (tcp://a:1,tcp://b:2)?ha=true}. */
  static String hosts(String url) {
    String list = url.replaceFirst("^\\(", "").replaceFirst("\\)?\\?.*$", "").replaceFirst("\\)$", "");
    return String.join(",", Arrays.stream(list.split(",")).map(u -> u.replaceFirst("^[a-z]+://", "").replaceFirst("[/?].*$", "")).toList());
  }

  /** A namespace's channels: the events Herald sends there, and its typing and member lists where the policy keeps them. */
  private static void namespace(
      JsonObjectBuilder channels, JsonObjectBuilder operations, String key, String address, String title, NamespacePolicy policy, List<String> servers) {
    List<String> messages = new ArrayList<>(List.of("event", "gap"));
    if (policy.typing()) {
      messages.add("typing");
    }
    if (policy.presence()) {
      messages.add("presence");
    }
    Retention kept = policy.retention();
    String rules =
        switch (policy.subscribe()) {
          case AUTHENTICATED -> "Any user of the tenant may subscribe";
          case OWNER -> "Only the user named by the channel ({name} is its sub) may subscribe, or a holder of a grant";
          case GRANT -> "Subscribing needs a grant in the token (herald_subscribe) or a subscription token";
        }
            + (policy.clientPublish() ? "; subscribers may publish from their connections" : "; clients publish only with a herald_publish grant")
            + (policy.typing() ? "; typing is relayed" : "")
            + (policy.presence() ? "; channels keep a member list (presence)" : "")
            + (kept.keepsHistory() ? "; the last " + kept.historySize() + " events of a channel are kept " + kept.historyTtlMillis() / 1000 + " s for resuming" : "; no history: a resume gets a gap")
            + (kept.lastValue() ? "; a new subscriber first gets the channel's last event" : "")
            + ". Events come from the publish API (POST /api/channels/{channel}/events), client publishes and JMS producers.";
    JsonObjectBuilder parameters = JSON.createObjectBuilder()
        .add("name", JSON.createObjectBuilder().add("description", "The rest of the channel name: one or more segments separated by dots (docs/protocol.md, Channels)."));
    if (address.startsWith("{namespace}")) {
      parameters.add("namespace", JSON.createObjectBuilder().add("description", "A namespace no setting names: lower-case letters, digits, _ and -, up to 32."));
    }
    channels.add(key, JSON.createObjectBuilder()
        .add("address", address)
        .add("title", title)
        .add("description", rules)
        .add("parameters", parameters)
        .add("servers", serverRefs(servers))
        .add("messages", messageRefs(messages))
        .add("x-herald-policy", JSON.createObjectBuilder()
            .add("subscribe", policy.subscribe().name().toLowerCase(java.util.Locale.ROOT))
            .add("clientPublish", policy.clientPublish())
            .add("typing", policy.typing())
            .add("presence", policy.presence())
            .add("historySize", kept.historySize())
            .add("historyTtlMs", kept.historyTtlMillis())
            .add("lastValue", kept.lastValue())));
    operations.add("deliver-" + key, operation("send", key, "Herald delivers to every subscriber, in order, once", messages));
  }

  /** The WebSocket's own frames: requests in, replies and notices out (events travel on the namespace channels). */
  private static void webSocket(JsonObjectBuilder channels, JsonObjectBuilder operations) {
    List<String> in = List.of("subscribe", "unsubscribe", "publish", "typingRequest", "presenceUpdate", "presenceGet", "ping", "refresh");
    List<String> out = List.of("connected", "ok", "error", "pong", "unsubscribed");
    channels.add("websocket", channel("/ws", "The WebSocket connection",
        "One JSON message per frame from the client; from the server one, or several separated by \\n when the "
            + "connection has fallen behind (split on \\n). A request with an id is answered ok or error with ref = id.",
        "websocket", concat(in, out)));
    operations.add("receive-websocket-requests", operation("receive", "websocket", "What a client asks over its WebSocket", in));
    operations.add("send-websocket-replies", operation("send", "websocket", "Herald's answers and notices on a WebSocket", out));
  }

  /** An SSE stream's own frames (its events travel on the namespace channels). */
  private static void stream(JsonObjectBuilder channels, JsonObjectBuilder operations) {
    List<String> out = List.of("connected", "reconnect", "tokenExpired", "disconnected", "heartbeat", "unsubscribed");
    channels.add("sse-stream", channel("/api/realtime/stream", "A Server-Sent Events stream",
        "Frames are SSE events named by their type (an event by its event name, with id: its position), "
            + "or, with format=messages, unnamed events whose data is the frame as on the WebSocket.",
        "http", out));
    operations.add("send-sse-notices", operation("send", "sse-stream", "Herald's notices on a stream", out));
  }

  /** The topic other systems publish to: the JMS producer contract of docs/jms.md. */
  private void ingress(JsonObjectBuilder channels, JsonObjectBuilder operations) {
    String address = jms.type() == JmsSettings.Type.JNDI ? jms.jndi().topic() : jms.topic();
    List<String> forms = List.of("producerJson", "producerCloudEvent");
    channels.add("jms-ingress", channel(address, "Producers' topic",
        "Put a message here and it reaches every browser subscribed to its channel: checked, given its event id, "
            + "and delivered once, or dead-lettered with a reason (docs/jms.md).",
        "broker", forms));
    operations.add("receive-jms-producers", operation("receive", "jms-ingress", "Herald takes each producer's message once", forms));
  }

  private static JsonObjectBuilder channel(String address, String title, String description, String server, List<String> messages) {
    return JSON.createObjectBuilder()
        .add("address", address)
        .add("title", title)
        .add("description", description)
        .add("servers", serverRefs(List.of(server)))
        .add("messages", messageRefs(messages));
  }

  private static JsonObjectBuilder messageRefs(List<String> messages) {
    JsonObjectBuilder refs = JSON.createObjectBuilder();
    messages.forEach(m -> refs.add(m, ref("#/components/messages/" + m)));
    return refs;
  }

  private static JsonObject operation(String action, String channel, String summary, List<String> messages) {
    JsonArrayBuilder refs = JSON.createArrayBuilder();
    messages.forEach(m -> refs.add(ref("#/channels/" + channel + "/messages/" + m)));
    return JSON.createObjectBuilder()
        .add("action", action)
        .add("channel", ref("#/channels/" + channel))
        .add("summary", summary)
        .add("messages", refs)
        .build();
  }

  private static JsonArrayBuilder serverRefs(List<String> servers) {
    JsonArrayBuilder refs = JSON.createArrayBuilder();
    servers.forEach(s -> refs.add(ref("#/servers/" + s)));
    return refs;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static JsonObject ref(String to) {
    return JSON.createObjectBuilder().add("$ref", to).build();
  }

  static JsonObject read(InputStream in) {
    try (InputStream stream = in;
        JsonReader reader = JSON.createReader(stream)) {
      return reader.readObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
