package io.herald.security.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientAddressesTest {
  private static ClientAddresses trusting(String setting) {
    ClientAddresses a = new ClientAddresses();
    a.trustedSetting = Optional.ofNullable(setting);
    return a;
  }

  @Test
  void withoutTrustedProxiesTheHeaderIsIgnored() {
    ClientAddresses none = trusting(null);
    assertEquals("198.51.100.7", none.resolve("198.51.100.7", List.of("203.0.113.5")), "a client cannot choose its address");
    ClientAddresses other = trusting("10.0.0.0/8");
    assertEquals("198.51.100.7", other.resolve("198.51.100.7", List.of("203.0.113.5")), "nor from a peer that is not a trusted proxy");
  }

  @Test
  void behindTrustedProxiesTheClientIsTheLastUntrustedHop() {
    ClientAddresses lb = trusting("10.0.0.0/8, 127.0.0.1, fd00::/8");
    assertEquals("203.0.113.5", lb.resolve("10.1.2.3", List.of("203.0.113.5")));
    assertEquals("203.0.113.5", lb.resolve("10.1.2.3", List.of("6.6.6.6, 203.0.113.5")), "what the client wrote itself is left of it");
    assertEquals("203.0.113.5", lb.resolve("127.0.0.1", List.of("6.6.6.6, 203.0.113.5", "10.9.9.9")), "two proxies, two headers");
    assertEquals("2001:db8::1", lb.resolve("fd00::1", List.of("2001:db8::1")));
    assertEquals("10.1.2.3", lb.resolve("10.1.2.3", List.of()), "no header: the peer");
    assertEquals("10.1.2.3", lb.resolve("10.1.2.3", List.of("not-an-address")), "garbage: the peer");
    assertEquals("10.4.4.4", lb.resolve("10.1.2.3", List.of("10.4.4.4, 10.5.5.5")), "only proxies: the first");
  }

  @Test
  void aRangeThatIsNotAnAddressStopsTheStart() {
    assertThrows(IllegalStateException.class, () -> ClientAddresses.parse("proxy.example.com"));
    assertThrows(IllegalStateException.class, () -> ClientAddresses.parse("10.0.0.0/40"));
    assertEquals(2, ClientAddresses.parse(" 10.0.0.0/8 ,127.0.0.1 ").size());
  }
}
