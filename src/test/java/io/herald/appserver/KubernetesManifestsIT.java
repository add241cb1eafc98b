package io.herald.appserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The container image and the Kubernetes manifests, checked with what runs here without a
 * cluster or a Docker daemon: the manifests' structure against the Kubernetes API types (fabric8's
 * model; a misspelt field is an error), what they say against Herald (every variable documented,
 * labels and ports that meet), and then, on a Payara Micro started with the Dockerfile's own
 * entrypoint line, the probes' paths and the preStop hook's command as Kubernetes would run them.
 */
class KubernetesManifestsIT {
  private static final Path MANIFESTS = Path.of("payara-config", "kubernetes", "herald.yaml");
  private static final Path DOCKERFILE = Path.of("Dockerfile");
  private static final Map<String, Class<? extends HasMetadata>> TYPES =
      Map.of(
          "v1/ConfigMap", ConfigMap.class,
          "v1/Service", Service.class,
          "apps/v1/StatefulSet", StatefulSet.class,
          "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

  @Test
  void theManifestsAreValidKubernetesAndFitHerald() throws Exception {
    List<HasMetadata> objects = read();
    assertEquals(List.of("ConfigMap", "Service", "Service", "StatefulSet", "PodDisruptionBudget"),
        objects.stream().map(HasMetadata::getKind).toList());
    StatefulSet set = one(objects, StatefulSet.class);
    Map<String, String> podLabels = set.getSpec().getTemplate().getMetadata().getLabels();
    assertEquals(podLabels, set.getSpec().getSelector().getMatchLabels(), "the StatefulSet selects its own pods");
    for (Service service : all(objects, Service.class)) {
      assertEquals(podLabels, service.getSpec().getSelector(), service.getMetadata().getName() + " selects Herald's pods");
      assertEquals("http", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
    }
    Service headless = all(objects, Service.class).stream().filter(s -> "None".equals(s.getSpec().getClusterIP())).findFirst().orElseThrow();
    assertEquals(headless.getMetadata().getName(), set.getSpec().getServiceName(), "stable pod names come from a headless service");
    assertEquals(podLabels, one(objects, PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());

    Container herald = set.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals(8080, herald.getPorts().get(0).getContainerPort());
    assertTrue(Files.readString(DOCKERFILE).contains("EXPOSE 8080"), "the port the image serves");
    EnvVar instanceId = env(herald, "HERALD_INSTANCE_ID");
    assertEquals("metadata.name", instanceId.getValueFrom().getFieldRef().getFieldPath(), "one stable instance id per pod");

    // every variable is one Herald documents, or one the image's entrypoint reads
    String documented = Files.readString(Path.of("docs", "configuration.md"));
    String dockerfile = Files.readString(DOCKERFILE);
    List<String> names = new ArrayList<>(one(objects, ConfigMap.class).getData().keySet());
    herald.getEnv().forEach(e -> names.add(e.getName()));
    for (String name : names) {
      assertTrue(documented.contains("`" + name + "`") || dockerfile.contains("${" + name + "}"), name + " is not a setting Herald or the image knows");
    }
    long spread = Long.parseLong(one(objects, ConfigMap.class).getData().get("HERALD_SHUTDOWN_SPREAD_MS"));
    assertTrue(set.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() * 1000 > spread + 10_000,
        "the grace period leaves the drain its spread and the stop its time");
  }

  @Test
  void theImagesEntrypointRunsHeraldAndTheProbesAndPreStopHookWork() throws Exception {
    List<HasMetadata> objects = read();
    Container herald = one(objects, StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);

    // The image's layout (payara/micro: /opt/payara with payara-micro.jar, deployments/, config/)
    // in a folder here, and its ENTRYPOINT line run as the image runs it.
    Path home = Files.createTempDirectory("herald-image");
    Files.createDirectories(home.resolve("deployments"));
    Files.createDirectories(home.resolve("config"));
    Files.createSymbolicLink(home.resolve("payara-micro.jar"), Path.of(System.getProperty("payara.microJar", "target/payara-micro.jar")).toAbsolutePath());
    Files.createSymbolicLink(home.resolve("deployments/herald.war"), Path.of(System.getProperty("herald.war", "target/herald.war")).toAbsolutePath());
    Files.copy(Path.of("payara-config", "pre-boot-commands.asadmin"), home.resolve("config/pre-boot-commands.asadmin"));
    Files.copy(Path.of("payara-config", "post-boot-commands.asadmin"), home.resolve("config/post-boot-commands.asadmin"));
    int port = PayaraProcess.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("HOME_DIR", home.toString());
    env.put("DEPLOY_DIR", home.resolve("deployments").toString());
    env.put("MEM_MAX_RAM_PERCENTAGE", "70.0");
    env.put("MEM_XSS", "512k");
    // what differs here: the port (the test's own), the heap, and dev mode instead of the IdP
    // and broker of the ConfigMap
    env.put("JVM_ARGS", "-Dpayaramicro.port=" + port + " -Xmx512m");
    env.put("HERALD_DEV_MODE", "true");
    env.put("HERALD_SHUTDOWN_SPREAD_MS", one(objects, ConfigMap.class).getData().get("HERALD_SHUTDOWN_SPREAD_MS"));
    env.put("HERALD_SHUTDOWN_DRAIN_SECRET", "from-the-secret");
    try (PayaraProcess payara = PayaraProcess.start("image", entrypoint(), env, home, port)) {
      Server server = payara.server();
      assertTrue(payara.log().contains("Boot Command set-log-levels returned with result SUCCESS"), "the post-boot file applies");
      assertTrue(payara.log().contains("http-thread-pool.max-queue-size=-1"), "the pre-boot file applies");
      for (String path : List.of(herald.getStartupProbe().getHttpGet().getPath(), herald.getReadinessProbe().getHttpGet().getPath(),
          herald.getLivenessProbe().getHttpGet().getPath())) {
        assertEquals(200, server.getRoot(path).status(), path + " answers UP");
      }
      String token = server.get("dev/token?sub=alice&subscribe=jobs.*").body().strip();
      try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token)) {
        assertEquals("connected", stream.next().name());
        // the hook, as the kubelet runs it in the container (only the port differs here)
        List<String> hook = new ArrayList<>(herald.getLifecycle().getPreStop().getExec().getCommand());
        hook.set(hook.size() - 1, hook.get(hook.size() - 1).replace("/8080", "/" + port));
        ProcessBuilder builder = new ProcessBuilder(hook).redirectErrorStream(true);
        builder.environment().put("HERALD_SHUTDOWN_DRAIN_SECRET", "from-the-secret");
        Process run = builder.start();
        assertTrue(run.waitFor(30, TimeUnit.SECONDS), "the hook returns once the drain is done");
        String answer = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, run.exitValue(), answer);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("\"connectionsTold\":1"), answer);
        assertEquals("reconnect", stream.next().name(), "the stream was told to reconnect elsewhere");
      }
      assertEquals(503, server.getRoot(herald.getReadinessProbe().getHttpGet().getPath()).status(), "not ready after the hook");
      assertTrue(payara.stop(30), "SIGTERM then stops it");
    }
  }

  /** The Dockerfile's ENTRYPOINT, exec form. */
  private static List<String> entrypoint() throws Exception {
    String line = Files.readAllLines(DOCKERFILE).stream().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
    JsonArray form = Json.createReader(new StringReader(line.substring("ENTRYPOINT ".length()))).readArray();
    return form.getValuesAs(jakarta.json.JsonString.class).stream().map(jakarta.json.JsonString::getString).toList();
  }

  private static List<HasMetadata> read() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode document : new YAMLMapper(new YAMLFactory()).readValues(new YAMLFactory().createParser(MANIFESTS.toFile()), JsonNode.class).readAll()) {
      if (document.isEmpty()) {
        continue;
      }
      String type = document.path("apiVersion").asText() + "/" + document.path("kind").asText();
      Class<? extends HasMetadata> model = TYPES.get(type);
      assertTrue(model != null, "an unexpected object: " + type);
      HasMetadata object = mapper.treeToValue(document, model);
      List<String> unknown = new ArrayList<>();
      unknownFields(object, type + " " + object.getMetadata().getName(), unknown);
      assertEquals(List.of(), unknown, "fields the Kubernetes API does not have");
      objects.add(object);
    }
    return objects;
  }

  /** fabric8's types keep what they do not know in additionalProperties: anything there is a mistake. */
  private static void unknownFields(Object value, String path, List<String> found) throws Exception {
    if (value == null) {
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", found);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        unknownFields(e.getValue(), path + "." + e.getKey(), found);
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object field = getter.invoke(value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          found.add(path + ": " + extra.keySet());
        }
      } else {
        unknownFields(field, path + "." + getter.getName().substring(3), found);
      }
    }
  }

  private static <T> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = all(objects, type);
    assertEquals(1, found.size(), type.getSimpleName());
    return found.get(0);
  }

  private static EnvVar env(Container container, String name) {
    return container.getEnv().stream().filter(e -> name.equals(e.getName())).findFirst().orElseThrow(() -> new AssertionError(name + " not set"));
  }
}
