package io.herald.admin;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.observability.Audit;
import io.herald.observability.Traffic;
import io.herald.security.Caller;
import io.herald.security.QueryToken;
import io.herald.security.Secured;
import io.herald.security.limits.ClientAddresses;
import io.herald.transport.Client;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code /api/admin}: what support and ops ask of a running cluster (operations.md, "Admin API").
 * Needs a token in {@code herald.admin.group}; everything is held to the token's tenant unless it
 * is also in {@code herald.admin.super-group}, which may name any tenant or none (all). Every
 * request is audited. Answers are gathered from every instance ({@link ClusterAdmin}) and say
 * which instances answered.
 */
@Path("admin")
@Secured
@RequestScoped
@Tag(name = "admin", description = "Connections, disconnects, channels and instances, cluster-wide; admin tokens only")
public class AdminResource {
  static final int MAX_REASON = 120; // bytes of UTF-8: a WebSocket close reason is at most 123

  @Inject ClusterAdmin cluster;
  @Inject AdminStream stream;
  @Inject AdminSettings settings;
  @Inject Traffic traffic;
  @Inject Audit audit;
  @Inject ClientAddresses addresses;
  @Context HttpServletRequest http;
  @Context SecurityContext security;

  @GET
  @Path("connections")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Open connections on every instance, filtered by user, channel and transport")
  public void connections(
      @QueryParam("user") String user,
      @QueryParam("channel") String channel,
      @QueryParam("transport") String transport,
      @QueryParam("tenant") String tenant,
      @Suspended AsyncResponse response) {
    Caller admin = admin();
    String scope = scope(admin, tenant);
    JsonObjectBuilder filter = JSON.createObjectBuilder();
    optional(filter, "user", user);
    optional(filter, "channel", channel);
    optional(filter, "transport", transport);
    JsonObject params = filter.build();
    audited(admin, "list_connections", scope, params);
    cluster
        .ask("connections", scope, params)
        .thenApply(
            answers -> {
              JsonArrayBuilder all = JSON.createArrayBuilder();
              int matched = 0;
              for (JsonObject answer : answered(answers)) {
                JsonObject result = answer.getJsonObject("result");
                result.getJsonArray("connections").forEach(all::add);
                matched += result.getInt("matched", 0);
              }
              return gathered(answers).add("connections", all).add("matched", matched).build().toString();
            })
        .whenComplete((json, failure) -> response.resume(failure == null ? json : failure));
  }

  @DELETE
  @Path("connections/{connectionId}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Disconnect one connection, on whichever instance holds it; its client is told the reason (WebSocket close 4010, SSE and long-poll 'disconnected')")
  public void disconnectConnection(
      @PathParam("connectionId") String id,
      @QueryParam("reason") String reason,
      @QueryParam("tenant") String tenant,
      @Suspended AsyncResponse response) {
    disconnect(JSON.createObjectBuilder().add("connection", id), reason, tenant, response);
  }

  @DELETE
  @Path("users/{user}/connections")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Disconnect every connection of a user on every instance; each client is told the reason")
  public void disconnectUser(
      @PathParam("user") String user,
      @QueryParam("reason") String reason,
      @QueryParam("tenant") String tenant,
      @Suspended AsyncResponse response) {
    if (settings.superAdmin(admin()) && (tenant == null || tenant.isEmpty())) {
      // user names are per tenant: "bob" of one tenant is nobody of another's
      throw new HeraldException(ErrorCode.INVALID_REQUEST, "Name the user's tenant: ?tenant=...");
    }
    disconnect(JSON.createObjectBuilder().add("user", user), reason, tenant, response);
  }

  private void disconnect(JsonObjectBuilder target, String reason, String tenant, AsyncResponse response) {
    Caller admin = admin();
    String scope = scope(admin, tenant);
    String why = reason == null || reason.isBlank() ? "Disconnected by an administrator." : reason.strip();
    if (why.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_REASON) {
      throw new HeraldException(ErrorCode.INVALID_REQUEST, "reason is at most " + MAX_REASON + " bytes of UTF-8.");
    }
    JsonObject params = target.add("reason", why).build();
    audited(admin, "disconnect", scope, params);
    cluster
        .ask("disconnect", scope, params)
        .thenApply(
            answers -> {
              int n = answered(answers).stream().mapToInt(a -> a.getJsonObject("result").getInt("disconnected", 0)).sum();
              return gathered(answers).add("disconnected", n).build().toString();
            })
        .whenComplete((json, failure) -> response.resume(failure == null ? json : failure));
  }

  @GET
  @Path("channels")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "The busiest channels by event rate (last 10 s window), with their subscribers on every instance")
  public void channels(@QueryParam("limit") Integer limit, @QueryParam("tenant") String tenant, @Suspended AsyncResponse response) {
    Caller admin = admin();
    String scope = scope(admin, tenant);
    int top = limit == null ? 10 : Math.max(1, Math.min(100, limit));
    audited(admin, "busiest_channels", scope, JSON.createObjectBuilder().add("limit", top).build());
    subscribed(traffic.busiest(scope, top), scope).whenComplete((json, failure) -> response.resume(failure == null ? json : failure));
  }

  @GET
  @Path("channels/{channel}")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "A channel's subscribers on every instance and its event rate")
  public void channel(@PathParam("channel") String channel, @QueryParam("tenant") String tenant, @Suspended AsyncResponse response) {
    Caller admin = admin();
    String scoped = scope(admin, tenant);
    String of = scoped != null ? scoped : admin.tenant();
    audited(admin, "channel", of, JSON.createObjectBuilder().add("channel", channel).build());
    subscribed(List.of(new io.herald.observability.ChannelRates.Rate(of, channel, traffic.rate(of, channel))), of)
        .whenComplete((json, failure) -> response.resume(failure == null ? json : failure));
  }

  /** Asks every instance for the subscribers of {@code rates}' channels; answers them with totals. */
  private java.util.concurrent.CompletableFuture<String> subscribed(List<io.herald.observability.ChannelRates.Rate> rates, String scope) {
    JsonArrayBuilder names = JSON.createArrayBuilder();
    rates.forEach(r -> names.add(JSON.createObjectBuilder().add("tenant", r.tenant()).add("channel", r.channel())));
    return cluster
        .ask("subscribers", scope, JSON.createObjectBuilder().add("channels", names).build())
        .thenApply(
            answers -> {
              JsonArrayBuilder channels = JSON.createArrayBuilder();
              for (int i = 0; i < rates.size(); i++) {
                int total = 0;
                JsonObjectBuilder byInstance = JSON.createObjectBuilder();
                for (JsonObject answer : answered(answers)) {
                  int n = answer.getJsonObject("result").getJsonArray("subscribers").getInt(i);
                  byInstance.add(answer.getString("instance"), n);
                  total += n;
                }
                var rate = rates.get(i);
                channels.add(
                    JSON.createObjectBuilder()
                        .add("tenant", rate.tenant())
                        .add("channel", rate.channel())
                        .add("eventsPerSecond", Math.round(rate.perSecond() * 10) / 10.0)
                        .add("subscribers", total)
                        .add("subscribersByInstance", byInstance));
              }
              return gathered(answers).add("channels", channels).build().toString();
            });
  }

  @GET
  @Path("instances")
  @Produces(MediaType.APPLICATION_JSON)
  @Operation(summary = "Every instance that answered, with its connections, rates, latency and broker state")
  public void instances(@Suspended AsyncResponse response) {
    Caller admin = admin();
    audited(admin, "instances", admin.tenant(), JsonValue.EMPTY_JSON_OBJECT);
    cluster
        .ask("instance", null, JsonValue.EMPTY_JSON_OBJECT)
        .thenApply(answers -> instances(answers).toString())
        .whenComplete((json, failure) -> response.resume(failure == null ? json : failure));
  }

  @GET
  @Path("stream")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @QueryToken
  @Operation(summary = "The live dashboard's feed: a 'figures' event every herald.admin.stream-ms with every instance's figures and the busiest channels")
  public void stream(@QueryParam("tenant") String tenant, @Context SseEventSink sink, @Context Sse sse) {
    Caller admin = admin();
    String scope = scope(admin, tenant);
    audited(admin, "dashboard", scope, JsonValue.EMPTY_JSON_OBJECT);
    stream.open(sink, sse, scope);
  }

  /** Each answering instance's figures, in instance order. */
  static JsonObject instances(List<JsonObject> answers) {
    JsonArrayBuilder list = JSON.createArrayBuilder();
    answered(answers).stream()
        .sorted(java.util.Comparator.comparing(a -> a.getString("instance")))
        .forEach(a -> list.add(a.getJsonObject("result")));
    return JSON.createObjectBuilder().add("instances", list).build();
  }

  /** The caller, if it is an admin; 403 otherwise. */
  private Caller admin() {
    Caller caller = (Caller) security.getUserPrincipal();
    if (!settings.admin(caller)) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The admin API needs a token whose groups include '" + settings.group() + "'.");
    }
    return caller;
  }

  /**
   * The tenant a request is held to: the admin's own; a super-admin's choice, or every tenant
   * (null). Naming another tenant without being a super-admin is refused.
   */
  private String scope(Caller admin, String tenant) {
    if (settings.superAdmin(admin)) {
      return tenant == null || tenant.isEmpty() ? null : tenant;
    }
    if (tenant != null && !tenant.equals(admin.tenant())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "This admin token is for tenant '" + admin.tenant() + "' only.");
    }
    return admin.tenant();
  }

  private void audited(Caller admin, String action, String scope, JsonObject params) {
    JsonObjectBuilder target = JSON.createObjectBuilder(params);
    if (scope == null) {
      target.addNull("tenant");
    } else {
      target.add("tenant", scope);
    }
    audit.admin(admin, new Client(addresses.of(http), http.getHeader("User-Agent")), action, target);
  }

  /** The answers that are answers: an instance whose part failed says so with an {@code error}. */
  private static List<JsonObject> answered(List<JsonObject> answers) {
    return answers.stream().filter(a -> !a.getJsonObject("result").containsKey("error")).toList();
  }

  /** Which instances answered, and what failed on which. */
  private static JsonObjectBuilder gathered(List<JsonObject> answers) {
    JsonArrayBuilder from = JSON.createArrayBuilder();
    answered(answers).stream().map(a -> a.getString("instance")).sorted().forEach(from::add);
    JsonObjectBuilder failed = JSON.createObjectBuilder();
    answers.stream()
        .filter(a -> a.getJsonObject("result").containsKey("error"))
        .forEach(a -> failed.add(a.getString("instance"), a.getJsonObject("result").getString("error")));
    return JSON.createObjectBuilder().add("answeredBy", from).add("failed", failed);
  }

  private static void optional(JsonObjectBuilder b, String name, String value) {
    if (value != null && !value.isEmpty()) {
      b.add(name, value);
    }
  }
}
