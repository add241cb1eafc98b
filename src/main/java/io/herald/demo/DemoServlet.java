package io.herald.demo;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The demo page's own two calls (behind {@link DemoGate}): {@code GET /demo/config} says where to
 * get tokens; {@code POST /demo/jobs} with {@code {"title": "..."}} starts a job whose progress
 * arrives over JMS (202 {@code {"job": "J-1001"}}; 429 when {@code herald.demo.max-jobs} run).
 */
@WebServlet({"/demo/config", "/demo/jobs"})
public class DemoServlet extends HttpServlet {
  private static final int MAX_TITLE = 80;
  private static final int MAX_BODY = 1024;

  @Inject DemoSettings settings;
  @Inject JobProducer jobs;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (!request.getServletPath().equals("/demo/config")) {
      fail(response, ErrorCode.METHOD_NOT_ALLOWED, ErrorCode.METHOD_NOT_ALLOWED.defaultMessage());
      return;
    }
    answer(response, 200, Json.createObjectBuilder().add("tokenUrl", settings.tokenUrl()).build());
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (!request.getServletPath().equals("/demo/jobs")) {
      fail(response, ErrorCode.METHOD_NOT_ALLOWED, ErrorCode.METHOD_NOT_ALLOWED.defaultMessage());
      return;
    }
    byte[] body;
    try (InputStream in = request.getInputStream()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      fail(response, ErrorCode.PAYLOAD_TOO_LARGE, "The body must be at most " + MAX_BODY + " bytes.");
      return;
    }
    String title;
    try (JsonReader reader = Json.createReader(new java.io.ByteArrayInputStream(body))) {
      JsonObject json = reader.readObject();
      title = json.getString("title", "Demo job").strip();
    } catch (JsonException | ClassCastException e) {
      fail(response, ErrorCode.INVALID_JSON, "The body must be a JSON object such as {\"title\": \"Nightly export\"}.");
      return;
    }
    if (title.isEmpty() || title.length() > MAX_TITLE) {
      fail(response, ErrorCode.INVALID_REQUEST, "title must be 1.." + MAX_TITLE + " characters.");
      return;
    }
    Optional<String> job = jobs.start(title);
    if (job.isEmpty()) {
      response.setHeader("Retry-After", "5");
      fail(response, ErrorCode.RATE_LIMIT_EXCEEDED, settings.maxJobs() + " demo jobs are running; wait for one to end.");
      return;
    }
    answer(response, 202, Json.createObjectBuilder().add("job", job.get()).add("channel", JobProducer.CHANNEL).build());
  }

  private static void answer(HttpServletResponse response, int status, JsonObject body) throws IOException {
    response.setStatus(status);
    response.setContentType("application/json");
    response.getWriter().write(body.toString());
  }

  private static void fail(HttpServletResponse response, ErrorCode code, String message) throws IOException {
    ErrorBody.write(response, code, message);
  }
}
