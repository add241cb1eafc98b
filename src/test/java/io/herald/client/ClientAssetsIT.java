package io.herald.client;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.net.http.HttpRequest;
import java.util.List;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import java.net.URL;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The browser client is served by Herald itself, as a module a page can import without a build
 * step, with its types; the package.json for bundlers stays in the source tree.
 */
@ExtendWith(ArquillianExtension.class)
class ClientAssetsIT {
  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(java.util.Map.of());
  }

  @ArquillianResource URL url;

  @Test
  void heraldJsIsServedAsAModuleWithItsTypes() {
    Server server = Server.at(url);
    Server.Reply js = server.get("herald.js");
    assertEquals(200, js.status());
    assertTrue(js.header("Content-Type").startsWith("text/javascript"), "browsers import modules only with a JavaScript type: " + js.header("Content-Type"));
    assertTrue(js.body().contains("export function connect("), "an ES module exporting connect");
    Server.Reply types = server.get("herald.d.ts");
    assertEquals(200, types.status());
    assertTrue(types.body().contains("export function connect(options?: ConnectOptions): HeraldClient;"));
    assertEquals(404, server.get("package.json").status(), "the package.json is for bundlers, not served");
  }

  @Test
  void aPageOfAnotherOriginMayImportTheClientAndItsMinifiedCopy() throws Exception {
    Server server = Server.at(url);
    for (String path : List.of("herald.js", "herald.min.js", "herald.min.js.map")) {
      Server.Reply reply =
          Server.send(HttpRequest.newBuilder(server.uri(path)).header("Origin", "https://app.example").GET());
      assertEquals(200, reply.status(), path);
      assertEquals("*", reply.header("Access-Control-Allow-Origin"), path + ": a module from another origin loads only with CORS");
      assertEquals("no-cache", reply.header("Cache-Control"), path + ": a new Herald's client reaches pages at once");
    }
    Server.Reply min = server.get("herald.min.js");
    assertTrue(min.header("Content-Type").startsWith("text/javascript"));
    assertTrue(min.body().contains("export function connect("), "still an ES module");
    assertTrue(min.body().length() < server.get("herald.js").body().length() * 0.7, "smaller: " + min.body().length());
    assertTrue(min.body().strip().endsWith("//# sourceMappingURL=herald.min.js.map"));
    JsonObject map = server.get("herald.min.js.map").json();
    assertEquals(List.of("herald.js"), map.getJsonArray("sources").getValuesAs(JsonString.class).stream().map(JsonString::getString).toList());
    assertEquals(server.get("herald.js").body(), map.getJsonArray("sourcesContent").getString(0), "the map carries the source");
    Server.Reply worker = server.get("herald-worker.js");
    assertEquals(200, worker.status());
    assertNull(worker.header("Access-Control-Allow-Origin"), "a SharedWorker starts only from the page's own origin anyway");
  }

  @Test
  void theDemoIsNotThereOutsideDevMode() {
    Server server = Server.at(url);
    assertEquals(404, server.get("demo/").status());
    assertEquals("NOT_FOUND", server.get("demo/index.html").code());
    Server.Reply jobs = Server.send(HttpRequest.newBuilder(server.uri("demo/jobs")).POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertEquals(404, jobs.status(), "nobody starts demo jobs on a production server");
  }
}
