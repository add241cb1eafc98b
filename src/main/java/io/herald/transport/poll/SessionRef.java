package io.herald.transport.poll;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code session} of a poll: {@code new}, or the {@code session} value of the last answer,
 * {@code <id>:<answers>}, which the client sends back as it got it. The count tells the session
 * whether the client got its last answer.
 */
record SessionRef(String id, long answers) {
  private static final Pattern FORM = Pattern.compile("([0-9a-f-]{36}):([0-9]{1,18})");

  /** Null when there is no session; {@code new} is a ref to no session yet. */
  static SessionRef parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    if (text.equals("new")) {
      return new SessionRef(null, 0);
    }
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new HeraldException(ErrorCode.INVALID_REQUEST, "session is 'new' or the session value of the last answer.");
    }
    return new SessionRef(m.group(1), Long.parseLong(m.group(2)));
  }

  @Override
  public String toString() {
    return id + ":" + answers;
  }
}
