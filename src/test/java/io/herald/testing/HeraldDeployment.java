package io.herald.testing;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * The real {@code herald.war} as built by the package phase, plus a MicroProfile Config file with
 * the test key and whatever settings a test class needs. Tests deploy exactly what ops deploy.
 */
public final class HeraldDeployment {
  private HeraldDeployment() {}

  /** Settings every test deployment shares: the trusted test key and issuer. */
  public static Map<String, String> baseConfig() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("mp.jwt.verify.publickey", TestKeys.TRUSTED.publicPem());
    config.put("mp.jwt.verify.issuer", Tokens.ISSUER);
    config.put("herald.security.default-tenant", "default");
    // Tests of other features count exactly the events they publish; a job's latest state sent
    // ahead of them to each new subscriber is tested on its own (RecoveryIT, with the default).
    config.put(JOBS_LAST_VALUE, "false");
    // Likewise member lists: a subscriber of chat and docs channels gets one first, and sees
    // joins and leaves; presence is tested on its own (PresenceIT, with the defaults).
    config.put(CHAT_PRESENCE, "false");
    config.put(DOCS_PRESENCE, "false");
    return config;
  }

  public static final String JOBS_LAST_VALUE = "herald.namespace.jobs.last-value";
  public static final String CHAT_PRESENCE = "herald.namespace.chat.presence";
  public static final String DOCS_PRESENCE = "herald.namespace.docs.presence";

  public static WebArchive create(Map<String, String> overrides) {
    return create(overrides, java.util.Set.of());
  }

  /** A deployment with {@code unset} left out of the base settings, so their defaults apply. */
  public static WebArchive create(Map<String, String> overrides, java.util.Set<String> unset) {
    Map<String, String> config = baseConfig();
    config.keySet().removeAll(unset);
    config.putAll(overrides);
    File war = new File(System.getProperty("herald.war", "target/herald.war"));
    if (!war.isFile()) {
      throw new IllegalStateException(war + " is missing: run the package phase first (mvn verify)");
    }
    return ShrinkWrap.createFromZipFile(WebArchive.class, war)
        .addAsResource(new StringAsset(properties(config)), "META-INF/microprofile-config.properties");
  }

  /** The WAR with exactly {@code config} as its microprofile-config.properties, written to a file. */
  public static java.nio.file.Path exportWithConfig(Map<String, String> config) throws java.io.IOException {
    File war = new File(System.getProperty("herald.war", "target/herald.war"));
    java.nio.file.Path file = java.nio.file.Files.createTempFile(java.nio.file.Path.of("target"), "herald-", ".war");
    ShrinkWrap.createFromZipFile(WebArchive.class, war)
        .addAsResource(new StringAsset(properties(config)), "META-INF/microprofile-config.properties")
        .as(org.jboss.shrinkwrap.api.exporter.ZipExporter.class)
        .exportTo(file.toFile(), true);
    return file;
  }

  private static String properties(Map<String, String> config) {
    StringBuilder text = new StringBuilder();
    config.forEach(
        (key, value) ->
            text.append(key)
                .append('=')
                .append(value.strip().replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n'));
    return text.toString();
  }
}
