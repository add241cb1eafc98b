package io.herald;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.ExternalDocumentation;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/**
 * Herald's REST and SSE API under {@code /api}. Tokens are verified by Herald's one verifier
 * ({@code security.TokenVerifier}) at every entry point, configured by the standard
 * {@code mp.jwt.verify.*} properties, rather than by the container's MP-JWT, whose checks differ
 * (docs/security.md, "One verifier"). What flows over WebSocket, SSE and JMS is described by the
 * AsyncAPI document this OpenAPI document links to.
 */
@OpenAPIDefinition(
    info = @Info(title = "Herald", version = "v1", description = "The HTTP API of Herald, a real-time gateway (protocol herald.v1)."),
    externalDocs =
        @ExternalDocumentation(
            description = "AsyncAPI 3.0: the channels, events, presence and typing, WebSocket frames and the JMS producer contract",
            url = "/asyncapi.json"))
@ApplicationPath("api")
@ApplicationScoped
public class HeraldApplication extends Application {}
