package io.herald.transport;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code /api/realtime/drain}: drains this instance now, for a hook that runs before the stop (a
 * Kubernetes preStop, which can only GET: both methods do the same). Answers once every connection
 * has been told to reconnect, so the hook holds SIGTERM back until then; after it the instance
 * takes no new connections and stays not ready until it stops. Off (404) unless
 * {@code herald.shutdown.drain-secret} is set; the caller presents it in {@code X-Herald-Drain-Secret}.
 */
@Path("realtime/drain")
@RequestScoped
public class DrainResource {
  static final String HEADER = "X-Herald-Drain-Secret";

  @Inject Drain drain;

  @Inject
  @ConfigProperty(name = "herald.shutdown.drain-secret")
  Optional<String> secret;

  @Resource ManagedExecutorService executor;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public void get(@HeaderParam(HEADER) String presented, @Suspended AsyncResponse response) {
    post(presented, response);
  }

  @POST
  @Produces(MediaType.APPLICATION_JSON)
  public void post(@HeaderParam(HEADER) String presented, @Suspended AsyncResponse response) {
    String expected = secret.filter(s -> !s.isBlank()).orElseThrow(() -> new HeraldException(ErrorCode.NOT_FOUND));
    // compared in constant time: the answer's timing says nothing about the secret
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The drain secret (" + HEADER + ") is missing or wrong.");
    }
    drain
        .begin(executor)
        .whenComplete(
            (told, failure) -> {
              if (failure != null) {
                response.resume(failure);
              } else {
                response.resume(JSON.createObjectBuilder().add("draining", true).add("connectionsTold", told).build().toString());
              }
            });
  }
}
