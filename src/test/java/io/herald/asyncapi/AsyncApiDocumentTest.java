package io.herald.asyncapi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The broker server's host in the AsyncAPI document, from every form herald.broker.url takes (docs/jms.md). */
class AsyncApiDocumentTest {
  @Test
  void theBrokerHostIsTheUrlsHostAndPortWithoutSchemeOrOptions() {
    assertEquals("broker-1:61616", AsyncApiDocument.hosts("tcp://broker-1:61616"));
    assertEquals("broker-1:61616", AsyncApiDocument.hosts("tcp://broker-1:61616?ha=true&reconnectAttempts=-1"));
    assertEquals("broker-1:61616,broker-2:61616", AsyncApiDocument.hosts("(tcp://broker-1:61616,tcp://broker-2:61616)?ha=true"));
    assertEquals("broker-1:61616,broker-2:61616", AsyncApiDocument.hosts("(tcp://broker-1:61616,tcp://broker-2:61616)"));
    assertEquals("127.0.0.1:5672", AsyncApiDocument.hosts("amqp://127.0.0.1:5672"));
  }
}
