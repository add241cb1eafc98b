package io.herald.presence;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A member's colour: picked from a palette by a hash of the user id, so it is the same on every
 * instance and every visit. The default palette's colours all contrast at least 4.5:1 with white
 * (WCAG AA for text), so they stay readable as text on a light page and as the background of white
 * text (a name tag beside a cursor).
 */
public final class Colors {
  private static final Pattern HEX = Pattern.compile("#[0-9a-fA-F]{6}");

  static final Colors DEFAULT =
      new Colors(
          List.of(
              "#b91c1c", "#c2410c", "#a16207", "#4d7c0f", "#15803d", "#0f766e",
              "#0e7490", "#1d4ed8", "#4338ca", "#6d28d9", "#a21caf", "#be123c"));

  private final List<String> palette;

  /** A palette of {@code #rrggbb} colours ({@code herald.presence.colors}); anything else stops the start. */
  Colors(List<String> palette) {
    if (palette.isEmpty()) {
      throw new IllegalArgumentException("herald.presence.colors names no colour");
    }
    for (String colour : palette) {
      if (!HEX.matcher(colour.strip()).matches()) {
        throw new IllegalArgumentException("herald.presence.colors: '" + colour + "' is not a #rrggbb colour");
      }
    }
    this.palette = palette.stream().map(c -> c.strip().toLowerCase(java.util.Locale.ROOT)).toList();
  }

  /** The colour of {@code userId}: FNV-1a of its UTF-8 bytes, modulo the palette. */
  public String of(String userId) {
    int hash = 0x811c9dc5;
    for (byte b : userId.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    return palette.get(Integer.remainderUnsigned(hash, palette.size()));
  }

  List<String> palette() {
    return palette;
  }
}
