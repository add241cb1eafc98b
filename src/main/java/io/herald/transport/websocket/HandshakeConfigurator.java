package io.herald.transport.websocket;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.security.Caller;
import io.herald.security.Origins;
import io.herald.security.limits.ClientAddressFilter;
import io.herald.security.QueryToken;
import io.herald.security.TokenVerifier;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;

/**
 * Authenticates the WebSocket handshake. Browsers cannot set headers on a WebSocket, so the token
 * comes as {@code ?access_token=} or as a second subprotocol {@code bearer.<jwt>} beside
 * {@code herald.v1}; the server answers with {@code herald.v1} alone, never echoing the token.
 * The verdict (a caller or a refusal) goes to the session, whose {@code @OnOpen} closes a refused
 * socket with 1008 before it can do anything.
 */
public class HandshakeConfigurator extends ServerEndpointConfig.Configurator {
  static final String PROTOCOL = "herald.v1";
  static final String CALLER = "herald.caller";
  static final String REFUSAL = "herald.refusal";
  static final String ADDRESS = "herald.address";
  static final String USER_AGENT = "herald.userAgent";
  /** When the handshake's answer has gone out ({@link HandshakeFilter}): only then may it be closed. */
  static final String ANSWERED = "herald.answered";
  private static final String BEARER_PREFIX = "bearer.";

  @Override
  public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
    return requested.contains(PROTOCOL) ? PROTOCOL : "";
  }

  @Override
  public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
    // WebSocket 2.1: these user properties are this connection's own copy.
    config.getUserProperties().put(ANSWERED, HandshakeFilter.answered(first(request, HandshakeFilter.HEADER)));
    try {
      String origin = first(request, "Origin");
      if (!CDI.current().select(Origins.class).get().allows(origin, first(request, "Host"))) {
        throw new HeraldException(ErrorCode.PERMISSION_DENIED, "Origin " + origin + " is not allowed.");
      }
      String token = token(request);
      if (token == null) {
        throw new HeraldException(ErrorCode.NOT_AUTHENTICATED, "A token is required (access_token or bearer.<jwt> subprotocol).");
      }
      config.getUserProperties().put(ADDRESS, first(request, ClientAddressFilter.HEADER));
      config.getUserProperties().put(USER_AGENT, first(request, "User-Agent"));
      Caller caller = CDI.current().select(TokenVerifier.class).get().verify(token);
      config.getUserProperties().put(CALLER, caller);
    } catch (HeraldException e) {
      config.getUserProperties().put(REFUSAL, e);
    }
  }

  private static String first(HandshakeRequest request, String header) {
    for (var entry : request.getHeaders().entrySet()) {
      if (entry.getKey().equalsIgnoreCase(header) && !entry.getValue().isEmpty()) {
        return entry.getValue().get(0);
      }
    }
    return null;
  }

  private static String token(HandshakeRequest request) {
    List<String> query = request.getParameterMap().get(QueryToken.PARAMETER);
    if (query != null && !query.isEmpty() && !query.get(0).isEmpty()) {
      return query.get(0);
    }
    List<String> protocols = request.getHeaders().get(HandshakeRequest.SEC_WEBSOCKET_PROTOCOL);
    if (protocols == null) {
      return null;
    }
    for (String header : protocols) {
      for (String value : header.split(",")) {
        String protocol = value.strip();
        if (protocol.startsWith(BEARER_PREFIX) && protocol.length() > BEARER_PREFIX.length()) {
          return protocol.substring(BEARER_PREFIX.length());
        }
      }
    }
    return null;
  }
}
