package io.herald.channel;

import java.util.Locale;

/**
 * What a namespace allows, read from configuration ({@code herald.namespace.<ns>.*}). New
 * capabilities add their options here, not in code paths.
 *
 * @param subscribe who may subscribe
 * @param clientPublish whether any subscriber may also publish from its client connection
 *     (otherwise only holders of a matching {@code herald_publish} grant may)
 * @param typing whether typing indicators are relayed
 * @param presence whether its channels keep a member list (docs/protocol.md, "Presence")
 * @param retention what is kept for recovery and for new subscribers
 */
public record NamespacePolicy(Subscribe subscribe, boolean clientPublish, boolean typing, boolean presence, Retention retention) {

  /** Who may subscribe to a namespace's channels (always within the caller's own tenant). */
  public enum Subscribe {
    /** Any authenticated user. */
    AUTHENTICATED,
    /** {@code <ns>.<id>}: only the user whose {@code sub} is {@code <id>}; or a grant. */
    OWNER,
    /** Only with a matching grant in the token, or a subscription token for the channel. */
    GRANT;

    /** The value of a {@code subscribe} setting; anything else is refused at start. */
    static Subscribe parse(String value) {
      return Subscribe.valueOf(value.strip().toUpperCase(Locale.ROOT));
    }
  }
}
