package io.herald.security;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Also accepts the token as the {@code access_token} query parameter. Only for endpoints a browser
 * opens without being able to set headers (EventSource). The trade-off (the token may end up in
 * access logs and proxies) is in docs/protocol.md, "Authentication".
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface QueryToken {
  String PARAMETER = "access_token";
}
