package io.herald.testing;

import java.time.Duration;

/** How long tests wait for something that should happen; generous, never a performance claim. */
public final class Timeouts {
  /** For an event or reply that should arrive promptly. */
  public static final Duration EVENT = Duration.ofSeconds(10);

  /** For something that should not arrive: how long we watch before concluding it did not. */
  public static final Duration QUIET = Duration.ofMillis(700);

  private Timeouts() {}
}
