package io.herald.testing;

import java.util.List;
import java.util.Random;

/**
 * Seeded, reproducible bad inputs: mutations of valid messages (fields dropped, retyped, swapped
 * for odd values, cut short, spliced) and plain noise. A failing case names its seed and index;
 * set {@code -Dherald.fuzz.seed=<seed>} to replay it.
 */
public final class Fuzz {
  /** The seed of this run: fixed, unless set to replay or explore. */
  public static final long SEED = Long.getLong("herald.fuzz.seed", 0x4e1d5eedL);

  private static final List<String> ODD_VALUES =
      List.of(
          "null", "true", "false", "0", "-1", "1e999", "-0.0", "12345678901234567890123", "\"\"", "\" \"", "[]", "{}",
          "[[[[[[[[]]]]]]]]", "\"\\u0000\"", "\"\\ud800\"", "\"\\n\"", "\"*\"", "\"jobs.*\"", "\"Jobs.1\"", "\"jobs.\"",
          "\"jobs..1\"", "\"a\"", "\"" + "x".repeat(300) + "\"", "\"\u00e9\u4e2d\ud83d\ude00\"", "\"connected\"",
          "\"1-2\"", "\"-1-2-x\"", "\"9223372036854775807-2147483647-~zz.1\"", "\"1-0-~\"", "{\"a\":[1,{\"b\":null}]}");

  private final Random random;

  public Fuzz(long seed) {
    this.random = new Random(seed);
  }

  public Random random() {
    return random;
  }

  /** A bad (or, now and then, accidentally good) variant of {@code valid}, a JSON object with string keys. */
  public String mutate(String valid) {
    return switch (random.nextInt(9)) {
      case 0 -> valid.substring(0, random.nextInt(valid.length())); // cut short
      case 1 -> replaceValue(valid, pick(ODD_VALUES));
      case 2 -> dropField(valid);
      case 3 -> valid.replaceFirst("\"[a-zA-Z]+\":", "\"" + pick(List.of("type", "id", "channel", "event", "data", "since", "token", "x")) + "\":");
      case 4 -> noise(random.nextInt(64));
      case 5 -> pick(ODD_VALUES);
      case 6 -> "[".repeat(random.nextInt(3000)) + "]".repeat(random.nextInt(10));
      case 7 -> valid.replace(":", ":" + pick(List.of("[", "{\"a\":", "\"")));
      default -> replaceValue(dropField(valid), pick(ODD_VALUES));
    };
  }

  public <T> T pick(List<T> items) {
    return items.get(random.nextInt(items.size()));
  }

  private String replaceValue(String json, String value) {
    int colon = nthIndexOf(json, ':', random.nextInt(count(json, ':') + 1));
    if (colon < 0) {
      return json;
    }
    int end = colon + 1;
    int depth = 0;
    boolean inString = false;
    for (; end < json.length(); end++) {
      char c = json.charAt(end);
      if (inString) {
        if (c == '\\') {
          end++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        if (depth-- == 0) {
          break;
        }
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    return json.substring(0, colon + 1) + value + json.substring(end);
  }

  private String dropField(String json) {
    int colon = nthIndexOf(json, ':', random.nextInt(count(json, ':') + 1));
    if (colon < 0) {
      return json;
    }
    int keyStart = json.lastIndexOf('"', json.lastIndexOf('"', colon - 1) - 1);
    String rest = replaceValue(json.substring(0, colon + 1) + "§" + json.substring(colon + 1).replaceFirst("^[^,}]*", ""), "");
    return (keyStart < 0 ? json : json.substring(0, keyStart) + rest.substring(rest.indexOf('§') + 1)).replace(",}", "}").replace("{,", "{");
  }

  private String noise(int length) {
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(0x3000)));
    }
    return text.toString();
  }

  private static int count(String text, char c) {
    return (int) text.chars().filter(ch -> ch == c).count();
  }

  private static int nthIndexOf(String text, char c, int n) {
    int at = -1;
    for (int i = 0; i <= n; i++) {
      at = text.indexOf(c, at + 1);
      if (at < 0) {
        return -1;
      }
    }
    return at;
  }
}
