package io.herald.security.limits;

import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The client's address for per-address limits: the peer's, unless the peer is a proxy named in
 * {@code herald.proxies.trusted} (addresses or CIDR ranges); then the last address in
 * {@code X-Forwarded-For} that is not itself a trusted proxy. A client that is not behind a
 * trusted proxy cannot choose its address by sending the header: it is ignored.
 */
@ApplicationScoped
public class ClientAddresses {
  private static final Pattern LITERAL = Pattern.compile("[0-9A-Fa-f.:]+(/[0-9]{1,3})?");

  @Inject
  @ConfigProperty(name = "herald.proxies.trusted")
  java.util.Optional<String> trustedSetting;

  private volatile List<Range> trusted;

  /** A mistyped range stops the start: trusting the wrong proxy lets clients spoof addresses. */
  void check(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) @Initialized(ApplicationScoped.class) Object context) {
    ranges();
  }

  public String of(HttpServletRequest request) {
    return resolve(request.getRemoteAddr(), Collections.list(request.getHeaders("X-Forwarded-For")));
  }

  String resolve(String peer, List<String> forwardedHeaders) {
    List<Range> ranges = ranges();
    if (ranges.isEmpty() || !trusted(ranges, peer)) {
      return peer;
    }
    List<String> chain = new ArrayList<>();
    for (String header : forwardedHeaders) {
      for (String hop : header.split(",")) {
        if (!hop.isBlank()) {
          chain.add(hop.strip());
        }
      }
    }
    // right to left: each trusted proxy appended the address it saw; the first it did not trust
    // is the client (anything left of it the client may have written itself)
    for (int i = chain.size() - 1; i >= 0; i--) {
      String hop = chain.get(i);
      if (!LITERAL.matcher(hop).matches()) {
        return peer; // not an address: a proxy would not write it, so nothing here is believed
      }
      if (!trusted(ranges, hop)) {
        return hop;
      }
    }
    return chain.isEmpty() ? peer : chain.get(0);
  }

  private static boolean trusted(List<Range> ranges, String address) {
    try {
      InetAddress a = InetAddress.getByName(address); // a literal: no name lookup
      return ranges.stream().anyMatch(r -> r.contains(a));
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private List<Range> ranges() {
    List<Range> r = trusted;
    if (r == null) {
      trusted = r = parse(trustedSetting.orElse(""));
    }
    return r;
  }

  static List<Range> parse(String setting) {
    List<Range> ranges = new ArrayList<>();
    for (String item : setting.split(",")) {
      String s = item.strip();
      if (s.isEmpty()) {
        continue;
      }
      if (!LITERAL.matcher(s).matches()) {
        throw new IllegalStateException("herald.proxies.trusted: '" + s + "' is not an IP address or CIDR range (names are not resolved)");
      }
      String[] parts = s.split("/");
      try {
        InetAddress base = InetAddress.getByName(parts[0]);
        int bits = base.getAddress().length * 8;
        int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
        if (prefix > bits) {
          throw new IllegalStateException("herald.proxies.trusted: '" + s + "' has a prefix longer than the address");
        }
        ranges.add(new Range(base.getAddress(), prefix));
      } catch (UnknownHostException e) {
        throw new IllegalStateException("herald.proxies.trusted: '" + s + "' is not an IP address", e);
      }
    }
    return List.copyOf(ranges);
  }

  /** Addresses whose first {@code prefix} bits are those of {@code base}. */
  record Range(byte[] base, int prefix) {
    boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != base.length) {
        return false; // IPv4 and IPv6 ranges are apart
      }
      int shift = a.length * 8 - prefix;
      return new BigInteger(1, a).shiftRight(shift).equals(new BigInteger(1, base).shiftRight(shift));
    }
  }
}
