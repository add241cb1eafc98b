package io.herald.client;

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
}
