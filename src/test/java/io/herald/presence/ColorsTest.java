package io.herald.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A member's colour is the same everywhere and every time, and stays readable. */
class ColorsTest {
  @Test
  void aUsersColourIsAPureFunctionOfItsIdAndUsersSpreadOverThePalette() {
    assertEquals(Colors.DEFAULT.of("alice"), new Colors(Colors.DEFAULT.palette()).of("alice"), "another instance, another visit: the same");
    Set<String> used = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      used.add(Colors.DEFAULT.of("user-" + i));
    }
    assertEquals(Colors.DEFAULT.palette().size(), used.size(), "200 users use every colour");
    // FNV-1a of "alice" is 0x872213e7, 11 modulo 12: a change to the hash would recolour every user
    assertEquals("#be123c", Colors.DEFAULT.of("alice"));
  }

  @Test
  void everyDefaultColourContrastsAtLeastFourAndAHalfToOneWithWhite() {
    for (String colour : Colors.DEFAULT.palette()) {
      double contrast = 1.05 / (luminance(colour) + 0.05);
      assertTrue(contrast >= 4.5, colour + " contrasts only " + contrast + ":1 with white");
    }
  }

  @Test
  void aConfiguredPaletteMustBeColours() {
    assertThrows(IllegalArgumentException.class, () -> new Colors(List.of("#12345")));
    assertThrows(IllegalArgumentException.class, () -> new Colors(List.of()));
    assertEquals("#abcdef", new Colors(List.of(" #ABCDEF ")).of("anyone"));
  }

  /** WCAG 2 relative luminance of {@code #rrggbb}. */
  private static double luminance(String hex) {
    double[] c = new double[3];
    for (int i = 0; i < 3; i++) {
      double v = Integer.parseInt(hex.substring(1 + 2 * i, 3 + 2 * i), 16) / 255.0;
      c[i] = v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
}
