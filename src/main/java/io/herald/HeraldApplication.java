package io.herald;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.auth.LoginConfig;

/**
 * Herald's REST and SSE API under {@code /api}. MP-JWT is switched on here; it must sit on a CDI
 * bean for Payara to pick it up.
 */
@ApplicationPath("api")
@LoginConfig(authMethod = "MP-JWT")
@ApplicationScoped
public class HeraldApplication extends Application {}
