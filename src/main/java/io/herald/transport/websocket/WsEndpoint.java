package io.herald.transport.websocket;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;

/**
 * {@code /ws}: the WebSocket endpoint, protocol {@code herald.v1} (docs/protocol.md). A thin
 * adapter: the session tracker and the protocol handler, both application-scoped, do the work.
 */
@ServerEndpoint(
    value = "/ws",
    subprotocols = {HandshakeConfigurator.PROTOCOL},
    configurator = HandshakeConfigurator.class)
public class WsEndpoint {
  private static WsSessions sessions() {
    return CDI.current().select(WsSessions.class).get();
  }

  private static WsProtocol protocol() {
    return CDI.current().select(WsProtocol.class).get();
  }

  @OnOpen
  public void open(Session session) {
    sessions().open(session);
  }

  @OnMessage
  public void message(Session session, String text) {
    WsConnection connection = WsSessions.of(session);
    if (connection != null) {
      try {
        protocol().handle(connection, text);
      } catch (RuntimeException e) {
        sessions().failed(connection, e); // logged, closed with 1011: never a silent connection
      }
    }
  }

  /** herald.v1 is text only; a binary frame is answered, and the connection stays. */
  @OnMessage
  public void binary(Session session, java.nio.ByteBuffer data) {
    WsConnection connection = WsSessions.of(session);
    if (connection != null) {
      protocol().binary(connection);
    }
  }

  @OnMessage
  public void pong(Session session, PongMessage pong) {
    WsConnection connection = WsSessions.of(session);
    if (connection != null) {
      connection.touch();
    }
  }

  @OnClose
  public void close(Session session, CloseReason reason) {
    sessions().closedByPeer(session, reason);
  }

  @OnError
  public void error(Session session, Throwable failure) {
    sessions().error(session, failure);
  }
}
