package io.herald;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/**
 * Herald's REST and SSE API under {@code /api}. Tokens are verified by Herald's one verifier
 * ({@code security.TokenVerifier}) at every entry point, configured by the standard
 * {@code mp.jwt.verify.*} properties, rather than by the container's MP-JWT, whose checks differ
 * (docs/security.md, "One verifier").
 */
@ApplicationPath("api")
@ApplicationScoped
public class HeraldApplication extends Application {}
