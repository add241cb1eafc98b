package io.herald.transport.route;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.PublishFailure;
import io.herald.transport.ClientMessages;
import io.herald.transport.Connection;
import io.herald.transport.Messages;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Handles a message sent over HTTP for a connection of this instance, as if the connection had
 * sent it over a WebSocket: the same checks, rates and code ({@link ClientMessages}).
 */
@ApplicationScoped
public class LocalRoute {
  @Inject ClientMessages messages;
  @Inject MetricRegistry metrics;

  /** Handles {@code body} for {@code connection} if it is {@code user}'s of {@code tenant}. */
  CompletionStage<RouteReply> handle(Connection connection, String tenant, String user, String body) {
    if (connection.rates() == null || !connection.tenant().equals(tenant) || !connection.userId().equals(user)) {
      return CompletableFuture.completedFuture(RouteReply.notFound(connection.id()));
    }
    try {
      JsonObject message = Messages.parse(body == null ? "" : body);
      String type = Messages.type(message);
      if (!ClientMessages.TYPES.contains(type)) {
        throw Messages.invalid("Over HTTP a connection sends " + String.join(", ", ClientMessages.TYPES.stream().sorted().toList()) + ".");
      }
      boolean presenceUpdate = ClientMessages.isPresenceUpdate(type);
      if (!connection.rates().admit(presenceUpdate)) {
        metrics.counter("herald.limits.refused", new Tag("limit", presenceUpdate ? "presence_updates" : "messages")).inc();
        throw new HeraldException(ErrorCode.RATE_LIMIT_EXCEEDED, "Over the message rate limit; this message was dropped.");
      }
      String ref = Messages.ref(message.get("id"));
      messages.activity(connection, type);
      return messages
          .handle(connection, type, message)
          .handle(
              (fields, failure) -> {
                Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
                if (cause instanceof HeraldException e) {
                  return RouteReply.of(e);
                } else if (cause != null) {
                  PublishFailure why = PublishFailure.of(cause);
                  return RouteReply.error(ErrorCode.UNAVAILABLE, why.getMessage(), why.correlationId());
                }
                return RouteReply.ok(Messages.frame("ok", ref).addAll(fields).build().toString());
              });
    } catch (HeraldException e) {
      return CompletableFuture.completedFuture(RouteReply.of(e));
    }
  }
}
