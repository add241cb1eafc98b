package io.herald.admin;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.EventBus;
import io.herald.bus.InstanceIdentity;
import io.herald.history.History;
import io.herald.observability.Traffic;
import io.herald.presence.Presence;
import io.herald.transport.Client;
import io.herald.transport.Connection;
import io.herald.transport.ConnectionRegistry;
import io.herald.transport.Transport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import io.herald.api.Incident;

/**
 * What this instance answers to an admin request ({@link ClusterAdmin}), for its own connections,
 * within the request's tenant (null: every tenant).
 */
@ApplicationScoped
public class LocalAdmin {
  private static final Logger LOG = Logger.getLogger(LocalAdmin.class.getName());

  @Inject ConnectionRegistry registry;
  @Inject InstanceIdentity instance;
  @Inject Traffic traffic;
  @Inject EventBus bus;
  @Inject History history;
  @Inject Presence presence;
  @Inject AdminSettings settings;

  JsonObject answer(String op, String tenant, JsonObject params) {
    return switch (op) {
      case "connections" -> connections(tenant, params);
      case "disconnect" -> disconnect(tenant, params);
      case "subscribers" -> subscribers(tenant, params);
      case "instance" -> figures();
      default -> JSON.createObjectBuilder().add("error", "unknown request " + op).build();
    };
  }

  /** This instance's connections that match every filter given, up to {@code herald.admin.max-listed}. */
  private JsonObject connections(String tenant, JsonObject params) {
    JsonArrayBuilder list = JSON.createArrayBuilder();
    int listed = 0;
    int matched = 0;
    for (Connection connection : matching(tenant, params)) {
      matched++;
      if (listed < settings.maxListed()) {
        list.add(describe(connection));
        listed++;
      }
    }
    return JSON.createObjectBuilder().add("connections", list).add("matched", matched).build();
  }

  /** Disconnects every connection here that matches (by id, or by user), telling each client why. */
  private JsonObject disconnect(String tenant, JsonObject params) {
    String reason = params.getString("reason");
    int n = 0;
    for (Connection connection : matching(tenant, params)) {
      try {
        connection.disconnect(reason);
        n++;
      } catch (RuntimeException e) {
        // one connection that cannot be told must not keep the others connected
        Incident.log(LOG, Level.WARNING, "Disconnecting " + connection.id() + " failed; it is closed without a word", e);
      } finally {
        registry.close(connection, "admin"); // out of the fan-out now; the transport's own close follows
      }
    }
    return JSON.createObjectBuilder().add("disconnected", n).build();
  }

  /** Subscribers here of each of {@code params.channels}: [{tenant, channel}], answered in order. */
  private JsonObject subscribers(String tenant, JsonObject params) {
    JsonArrayBuilder counts = JSON.createArrayBuilder();
    for (JsonValue value : params.getJsonArray("channels")) {
      JsonObject channel = value.asJsonObject();
      String of = channel.getString("tenant");
      counts.add(tenant != null && !tenant.equals(of) ? 0 : registry.subscribers(of, channel.getString("channel")));
    }
    return JSON.createObjectBuilder().add("subscribers", counts).build();
  }

  /** This instance's figures: what the dashboard and {@code GET /api/admin/instances} show. */
  JsonObject figures() {
    Map<Transport, Integer> counts = registry.countByTransport();
    JsonObjectBuilder connections = JSON.createObjectBuilder();
    int total = 0;
    for (Map.Entry<Transport, Integer> e : counts.entrySet()) {
      connections.add(e.getKey().label(), e.getValue());
      total += e.getValue();
    }
    Traffic.Figures rates = traffic.figures();
    return JSON.createObjectBuilder()
        .add("instanceId", instance.id())
        .add("startedAt", instance.startedAt().toString())
        .add("uptimeSeconds", Duration.between(instance.startedAt(), Instant.now()).toSeconds())
        .add("connections", connections.add("total", total))
        .add("eventsInPerSecond", round(rates.eventsIn()))
        .add("eventsReceivedPerSecond", round(rates.eventsReceived()))
        .add("deliveriesPerSecond", round(rates.deliveries()))
        .add("latencyP50Ms", round(traffic.latencyMillis(0.5)))
        .add("latencyP99Ms", round(traffic.latencyMillis(0.99)))
        .add("brokerConnected", bus.connected())
        .add("historyEvents", history.size())
        .add("presenceMembers", presence.members())
        .build();
  }

  private List<Connection> matching(String tenant, JsonObject params) {
    String id = params.getString("connection", null);
    String user = params.getString("user", null);
    String channel = params.getString("channel", null);
    String transport = params.getString("transport", null);
    List<Connection> found = new ArrayList<>();
    if (id != null) {
      Connection one = registry.find(id);
      if (one != null && (tenant == null || tenant.equals(one.tenant()))) {
        found.add(one);
      }
      return found;
    }
    for (Connection c : registry.all()) {
      if ((tenant == null || tenant.equals(c.tenant()))
          && (user == null || user.equals(c.userId()))
          && (channel == null || c.channels().contains(channel))
          && (transport == null || transport.equals(c.transport().label()))
          && c.present()) {
        found.add(c);
      }
    }
    return found;
  }

  private JsonObject describe(Connection connection) {
    ConnectionRegistry.Opened opened = registry.opened(connection.id());
    Client client = opened == null ? Client.UNKNOWN : opened.client();
    JsonObjectBuilder b =
        JSON.createObjectBuilder()
            .add("connectionId", connection.id())
            .add("user", connection.userId())
            .add("tenant", connection.tenant())
            .add("transport", connection.transport().label())
            .add("channels", JSON.createArrayBuilder(List.copyOf(connection.channels())))
            .add("queued", connection.queued())
            .add("instanceId", instance.id());
    add(b, "openedAt", opened == null ? null : opened.at().toString());
    add(b, "address", client.address());
    add(b, "userAgent", client.userAgent());
    return b.build();
  }

  private static void add(JsonObjectBuilder b, String name, String value) {
    if (value == null) {
      b.addNull(name);
    } else {
      b.add(name, value);
    }
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
