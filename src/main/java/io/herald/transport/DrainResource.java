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
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
  public String get(@HeaderParam(HEADER) String presented) {
    return post(presented);
  }

  /**
   * Answers on the request thread, once the drain is done (at most the spread and a few seconds):
   * one request per instance stop, so the thread is well spent. An asynchronous answer completed
   * from another thread raced, on Payara 6.2025.10, with the next request on the same keep-alive
   * connection: the container recycled that request's response under it (seen once, a readiness
   * check after a drain failing in the container's own output buffer; performance.md).
   */
  @POST
  @Produces(MediaType.APPLICATION_JSON)
  public String post(@HeaderParam(HEADER) String presented) {
    String expected = secret.filter(s -> !s.isBlank()).orElseThrow(() -> new HeraldException(ErrorCode.NOT_FOUND));
    // compared in constant time: the answer's timing says nothing about the secret
    if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The drain secret (" + HEADER + ") is missing or wrong.");
    }
    try {
      int told = drain.begin(executor).toCompletableFuture().get(drain.longestMillis(), TimeUnit.MILLISECONDS);
      return JSON.createObjectBuilder().add("draining", true).add("connectionsTold", told).build().toString();
    } catch (TimeoutException e) {
      throw new HeraldException(ErrorCode.UNAVAILABLE, "The drain goes on, but did not finish in time; stop anyway.");
    } catch (ExecutionException e) {
      throw new IllegalStateException("The drain failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HeraldException(ErrorCode.UNAVAILABLE, "Interrupted while draining.");
    }
  }
}
